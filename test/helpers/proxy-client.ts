/**
 * A client behind an SNI router, as the relay meets it: a TCP connection
 * from the router's address that starts with a PROXY protocol header (built
 * here, as HAProxy's send-proxy-v2 or nginx's proxy_protocol write it), then
 * the client's own TURN, or TLS carrying TURN. With `coalesce`, the header
 * and the client's first bytes (its first frame, or its TLS ClientHello) go
 * out in one write, so the relay gets both in one chunk and must pass on
 * what follows the header.
 */
import { connect as connectTcp, isIPv4, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { Duplex } from 'node:stream';
import { PROXY_V2_SIGNATURE } from '../../turn/codec/proxy-header.js';
import { encodeAddress } from '../../turn/codec/address.js';
import { StreamFramer } from '../../turn/codec/stream-framer.js';
import type { FrameTransport } from '../../turn/client/index.js';

export interface Endpoint {
  address: string;
  port: number;
}

/** v2 PROXY (TCP over IPv4 or IPv6, by the source's family) or, without a source, LOCAL. */
export function proxyV2(source?: Endpoint, destination: Endpoint = { address: '192.0.2.1', port: 443 }): Buffer {
  const fixed = Buffer.alloc(4);
  if (source === undefined) {
    fixed[0] = 0x20;
    return Buffer.concat([PROXY_V2_SIGNATURE, fixed]);
  }
  const family = isIPv4(source.address) ? 4 : 6;
  const ip = (endpoint: Endpoint) => encodeAddress({ family, address: endpoint.address, port: 0 }).subarray(4);
  const destinationAddress = family === 4 ? destination : { address: '2001:db8::1', port: destination.port };
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(source.port, 0);
  ports.writeUInt16BE(destinationAddress.port, 2);
  const block = Buffer.concat([ip(source), ip(destinationAddress), ports]);
  fixed[0] = 0x21;
  fixed[1] = family === 4 ? 0x11 : 0x21;
  fixed.writeUInt16BE(block.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, block]);
}

/** The v1 line nginx writes. */
export function proxyV1(source: Endpoint, destination: Endpoint = { address: '192.0.2.1', port: 443 }): Buffer {
  const protocol = isIPv4(source.address) ? 'TCP4' : 'TCP6';
  return Buffer.from(
    `PROXY ${protocol} ${source.address} ${destination.address} ${source.port} ${destination.port}\r\n`,
  );
}

export interface ProxiedOptions {
  /** The relay's TCP or TLS port. */
  port: number;
  tls: boolean;
  /** What precedes the client's bytes: a header, or anything a test wants to try. */
  preamble: Buffer;
  coalesce?: boolean;
  localAddress?: string;
}

export interface Proxied {
  transport: FrameTransport;
  /** Every byte the relay sent back (for TLS: decrypted), in order. */
  received: Buffer[];
  /** Settles when the connection ends, whoever ends it. */
  closed: Promise<void>;
}

/**
 * Connects, sends the preamble, then speaks TURN (over TLS if asked). Resolves
 * once connected (for TLS: once the handshake is done); rejects if the relay
 * closes the connection before.
 */
export async function proxiedClient(options: ProxiedOptions): Promise<Proxied> {
  const { port, tls, preamble, coalesce = false, localAddress = '127.0.0.1' } = options;
  const raw = connectTcp({ host: '127.0.0.1', port, localAddress });
  raw.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    raw.once('connect', resolve);
    raw.once('close', () => reject(new Error('closed before connecting')));
  });
  raw.setNoDelay(true);
  if (!coalesce) raw.write(preamble);
  const carrier: Duplex = coalesce ? prefixed(raw, preamble) : raw;
  const stream: Duplex = tls ? connectTls({ socket: carrier, rejectUnauthorized: false }) : carrier;
  stream.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
  if (tls) {
    await new Promise<void>((resolve, reject) => {
      stream.once('secureConnect', resolve);
      void closed.then(() => reject(new Error('closed during the TLS handshake')));
    });
  }
  const received: Buffer[] = [];
  const framer = new StreamFramer();
  const listeners: Array<(frame: Buffer) => void> = [];
  stream.on('data', (chunk: Buffer) => {
    received.push(chunk);
    try {
      for (const frame of framer.push(chunk)) listeners.forEach((listener) => listener(frame));
    } catch {
      raw.destroy();
    }
  });
  const transport: FrameTransport = {
    kind: tls ? 'TLS' : 'TCP',
    send: (frame) => void stream.write(frame),
    onFrame: (listener) => listeners.push(listener),
    onClose: (listener) => void closed.then(listener),
    close: () => raw.destroy(),
  };
  return { transport, received, closed };
}

/** `socket`, its first write prefixed with `preamble`: one write, one chunk at the relay on loopback. */
function prefixed(socket: Socket, preamble: Buffer): Duplex {
  let first = true;
  const duplex = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      socket.write(first ? Buffer.concat([preamble, chunk]) : chunk, callback);
      first = false;
    },
    read() {
      socket.resume();
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.once('end', () => duplex.push(null));
  socket.once('close', () => duplex.destroy());
  return duplex;
}
