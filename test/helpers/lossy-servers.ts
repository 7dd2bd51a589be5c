/**
 * Loopback STUN "servers" that misbehave on purpose, for the client's
 * retransmission and timeout paths: one that never answers (UDP or TCP),
 * and a UDP forwarder to a real server that drops the first datagram.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { StreamFramer } from '../../turn/codec/stream-framer.js';

export interface Silent {
  port: number;
  /** Transaction ids of the requests received, in order, as hex. */
  received: string[];
  close(): Promise<void>;
}

const transactionId = (frame: Buffer) => frame.subarray(8, 20).toString('hex');

export async function silentUdpServer(): Promise<Silent> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (frame) => received.push(transactionId(frame)));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, received, close: () => closeUdp(socket) };
}

/** Accepts and reads; `hangUp` ends each connection at its first frame instead of ignoring it. */
export async function silentTcpServer(options: { hangUp?: boolean } = {}): Promise<Silent> {
  const received: string[] = [];
  const connections: Socket[] = [];
  const server: Server = createServer((socket) => {
    connections.push(socket);
    const framer = new StreamFramer();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) received.push(transactionId(frame));
      if (options.hangUp === true) socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const close = async () => {
    for (const socket of connections) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, received, close };
}

/**
 * Forwards datagrams from one client to `target` and the answers back,
 * dropping the first datagram from the client: a lost request.
 */
export async function dropFirstForwarder(target: {
  address: string;
  port: number;
}): Promise<Silent & { forwarded: string[] }> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  const received: string[] = [];
  const forwarded: string[] = [];
  let client: { address: string; port: number } | undefined;
  front.on('message', (frame, from) => {
    client = from;
    received.push(transactionId(frame));
    if (received.length === 1) return;
    forwarded.push(transactionId(frame));
    back.send(frame, target.port, target.address);
  });
  back.on('message', (frame) => {
    if (client !== undefined) front.send(frame, client.port, client.address);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    received,
    forwarded,
    close: async () => {
      await closeUdp(front);
      await closeUdp(back);
    },
  };
}

function closeUdp(socket: UdpSocket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}
