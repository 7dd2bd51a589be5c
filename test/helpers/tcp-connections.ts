/**
 * TCP connections an attack test opens and leaves open, all closed at once
 * after the test: each resolves once connected, or once refused or closed by
 * the other side, and says when it ends.
 */
import { connect, type Socket } from 'node:net';

export interface OpenConnection {
  socket: Socket;
  /** Settles when the connection ends, whoever ends it. */
  closed: Promise<void>;
}

export class TcpConnections {
  private readonly sockets: Socket[] = [];

  async open(port: number, localAddress = '127.0.0.1'): Promise<OpenConnection> {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    this.sockets.push(socket);
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => {
      socket.once('connect', resolve);
      socket.once('close', () => resolve());
    });
    return { socket, closed };
  }

  destroyAll(): void {
    for (const socket of this.sockets.splice(0)) socket.destroy();
  }
}
