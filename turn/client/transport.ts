/**
 * One connection to a STUN/TURN server over UDP, TCP or TLS, carrying whole
 * STUN messages and ChannelData frames either way. Streams are cut into
 * frames by the relay's own StreamFramer (RFC 4571 style, RFC 8656 §12.5).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { StreamFramer } from '../codec/stream-framer.js';
import type { IceTransport } from '../../protocol/ice-url.js';

export interface FrameTransport {
  readonly kind: IceTransport;
  send(frame: Buffer): void;
  onFrame(listener: (frame: Buffer) => void): void;
  /** Called once when the connection ends, whoever ended it (for UDP: when closed here). */
  onClose(listener: () => void): void;
  close(): void;
}

/** Where to connect: an IceUrl fits, as do the relay's own listening ports. */
export interface ServerTarget {
  host: string;
  port: number;
  transport: IceTransport;
}

export interface TlsOptions {
  /** Accept any certificate (a self-signed one on a LAN). */
  insecure?: boolean;
  /** Extra trusted CA certificates, PEM. */
  ca?: string;
  /** The local address to connect from (any transport), when the machine has several. */
  localAddress?: string;
}

/** Why a connection could not be made, in an operator's words, with the system's code kept. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export async function openTransport(
  target: ServerTarget,
  timeoutMs: number,
  tls: TlsOptions = {},
): Promise<FrameTransport> {
  const address = isIP(target.host) ? target.host : await resolve(target.host);
  if (target.transport === 'UDP') return openUdp(address, target.port, tls.localAddress);
  return openStream(target, address, timeoutMs, tls);
}

/**
 * A transport over a dgram socket the caller already bound and keeps
 * listening to, sending to `server` without connecting: a test can then
 * also watch and write raw datagrams on the same 5-tuple.
 */
export function udpSocketTransport(socket: UdpSocket, server: { address: string; port: number }): FrameTransport {
  socket.on('error', () => undefined);
  return {
    kind: 'UDP',
    send: (frame) => socket.send(frame, server.port, server.address),
    onFrame: (listener) => socket.on('message', (frame) => listener(frame)),
    onClose: (listener) => socket.once('close', listener),
    close: () => socket.close(),
  };
}

/**
 * A host name's address. `localhost` and every name under it are loopback,
 * without asking the resolver (RFC 6761 §6.3), as browsers resolve them: a
 * relay named turn.localhost is checked where a browser would reach it.
 */
async function resolve(host: string): Promise<string> {
  if (/(^|\.)localhost\.?$/i.test(host)) return '127.0.0.1';
  try {
    return (await lookup(host)).address;
  } catch (error) {
    throw new TransportError(`cannot resolve ${host}`, (error as NodeJS.ErrnoException).code ?? 'ENOTFOUND');
  }
}

async function openUdp(address: string, port: number, localAddress: string | undefined): Promise<FrameTransport> {
  const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  const listeners: Array<(frame: Buffer) => void> = [];
  socket.on('message', (frame) => listeners.forEach((listener) => listener(frame)));
  // ICMP "port unreachable" surfaces as an error on a connected socket; a retransmit will say no answer.
  socket.on('error', () => undefined);
  if (localAddress !== undefined) await new Promise<void>((done) => socket.bind(0, localAddress, done));
  await new Promise<void>((done) => socket.connect(port, address, done));
  return {
    kind: 'UDP',
    send: (frame) => socket.send(frame),
    onFrame: (listener) => listeners.push(listener),
    onClose: (listener) => socket.once('close', listener),
    close: () => socket.close(),
  };
}

async function openStream(
  target: ServerTarget,
  address: string,
  timeoutMs: number,
  tls: TlsOptions,
): Promise<FrameTransport> {
  const local = tls.localAddress === undefined ? {} : { localAddress: tls.localAddress };
  const socket: Socket =
    target.transport === 'TLS'
      ? connectTls({
          host: address,
          port: target.port,
          ...(isIP(target.host) ? {} : { servername: target.host }),
          rejectUnauthorized: tls.insecure !== true,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...local,
        })
      : connectTcp({ host: address, port: target.port, ...local });
  await connected(socket, target.transport, timeoutMs);
  const framer = new StreamFramer();
  const listeners: Array<(frame: Buffer) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of framer.push(chunk)) listeners.forEach((listener) => listener(frame));
    } catch {
      // Framing is lost for good: the connection is useless, and its close settles what waits on it.
      socket.destroy();
    }
  });
  socket.on('error', () => undefined);
  return {
    kind: target.transport,
    send: (frame) => void socket.write(frame),
    onFrame: (listener) => listeners.push(listener),
    onClose: (listener) => socket.once('close', listener),
    close: () => socket.destroy(),
  };
}

function connected(socket: Socket, transport: IceTransport, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError(`no ${transport} connection within ${timeoutMs} ms`, 'ETIMEDOUT'));
    }, timeoutMs);
    socket.once(transport === 'TLS' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new TransportError(error.message, error.code ?? 'ECONNECTION'));
    });
  });
}
