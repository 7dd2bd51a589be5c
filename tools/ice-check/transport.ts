/**
 * One connection to a STUN/TURN server over UDP, TCP or TLS, carrying whole
 * STUN messages and ChannelData frames either way (streams are cut into
 * frames with the relay's own StreamFramer).
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { StreamFramer } from '../../turn/codec/stream-framer.js';
import type { IceUrl } from '../../protocol/ice-url.js';

export interface FrameTransport {
  readonly kind: IceUrl['transport'];
  send(frame: Buffer): void;
  onFrame(listener: (frame: Buffer) => void): void;
  /** Called once when the connection ends, whoever ended it (for UDP: when closed here). */
  onClose(listener: () => void): void;
  close(): void;
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

export async function openTransport(url: IceUrl, timeoutMs: number, tls: TlsOptions = {}): Promise<FrameTransport> {
  const address = isIP(url.host) ? url.host : await resolve(url.host);
  if (url.transport === 'UDP') return openUdp(address, url.port, tls.localAddress);
  return openStream(url, address, timeoutMs, tls);
}

async function resolve(host: string): Promise<string> {
  try {
    return (await lookup(host)).address;
  } catch (error) {
    throw new TransportError(`cannot resolve ${host}`, (error as NodeJS.ErrnoException).code ?? 'ENOTFOUND');
  }
}

async function openUdp(address: string, port: number, localAddress: string | undefined): Promise<FrameTransport> {
  const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  if (localAddress !== undefined) await new Promise<void>((done) => socket.bind(0, localAddress, done));
  const listeners: Array<(frame: Buffer) => void> = [];
  socket.on('message', (frame) => listeners.forEach((listener) => listener(frame)));
  // ICMP "port unreachable" surfaces as an error on a connected socket; a retransmit will say no answer.
  socket.on('error', () => {});
  await new Promise<void>((done) => socket.connect(port, address, done));
  return {
    kind: 'UDP',
    send: (frame) => socket.send(frame),
    onFrame: (listener) => listeners.push(listener),
    onClose: (listener) => socket.once('close', listener),
    close: () => socket.close(),
  };
}

async function openStream(url: IceUrl, address: string, timeoutMs: number, tls: TlsOptions): Promise<FrameTransport> {
  const socket: Socket =
    url.transport === 'TLS'
      ? connectTls({
          host: address,
          port: url.port,
          ...(isIP(url.host) ? {} : { servername: url.host }),
          rejectUnauthorized: tls.insecure !== true,
          ...(tls.ca === undefined ? {} : { ca: tls.ca }),
          ...(tls.localAddress === undefined ? {} : { localAddress: tls.localAddress }),
        })
      : connectTcp({ host: address, port: url.port, ...(tls.localAddress === undefined ? {} : { localAddress: tls.localAddress }) });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError(`no ${url.transport} connection within ${timeoutMs} ms`, 'ETIMEDOUT'));
    }, timeoutMs);
    socket.once(url.transport === 'TLS' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new TransportError(error.message, error.code ?? 'ECONNECTION'));
    });
  });
  const framer = new StreamFramer();
  const listeners: Array<(frame: Buffer) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of framer.push(chunk)) listeners.forEach((listener) => listener(frame));
    } catch {
      socket.destroy();
    }
  });
  socket.on('error', () => {});
  return {
    kind: url.transport,
    send: (frame) => socket.write(frame),
    onFrame: (listener) => listeners.push(listener),
    onClose: (listener) => socket.once('close', listener),
    close: () => socket.destroy(),
  };
}
