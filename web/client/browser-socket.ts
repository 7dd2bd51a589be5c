/**
 * The seam between the signaling client and the WebSocket it talks through:
 * the few things the client needs of a socket. The browser's WebSocket is the
 * real one; unit tests (test/web) put a fake socket in its place.
 */

/** The part of a WebSocket the client drives. */
export interface SignalingSocket {
  /** WebSocket's readyState: OPEN is 1. */
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** What the socket reports back. */
export interface SocketHandlers {
  open(): void;
  message(data: unknown): void;
  close(code: number, reason: string): void;
}

export type OpenSocket = (url: string, on: SocketHandlers) => SignalingSocket;

/** `WebSocket.OPEN`, spelled out so the client does not need the WebSocket global. */
export const SOCKET_OPEN = 1;

export const openBrowserSocket: OpenSocket = (url, on) => {
  const socket = new WebSocket(url);
  socket.onopen = () => on.open();
  socket.onmessage = (event) => on.message(event.data);
  socket.onclose = (event) => on.close(event.code, event.reason);
  return socket;
};
