/**
 * The relay's TCP and TLS clients (RFC 8656 §3.1): who may connect, who they
 * are, how long a connection may live without doing anything useful, and how
 * much it may make the relay hold.
 *
 * - Each connection is admitted against the total cap before a byte is read,
 *   and against the per-address cap as soon as its client is known: at
 *   accept, or for a connection from a router (TURN_PROXY_PROTOCOL_FROM)
 *   once its PROXY protocol header names the client. A router is never one
 *   shared bucket; a router's connections still waiting for their header
 *   count in the total.
 * - A router's connection must bring a whole, valid header within the
 *   handshake timeout; from then on its client address and port (logs,
 *   quotas, the 5-tuple, XOR-MAPPED-ADDRESS) are the header's source (for
 *   LOCAL, a health check, the router's own). Any other connection whose
 *   first bytes are a PROXY header's signature is closed at once: it claims
 *   to speak for someone else.
 * - TLS starts after that (a router passes TLS through, header first), with
 *   the certificate in use at that moment; a TLS connection must finish its
 *   header and handshake within the handshake timeout; any connection must
 *   hold an allocation within the idle timeout.
 * - Until it holds one, a frame above PRE_ALLOCATION_FRAME_BYTES closes it,
 *   so an unauthenticated connection makes the relay hold a few KiB at most.
 * - When its allocation ends (Refresh 0, expiry), the connection is closed,
 *   as coturn does: a connection exists for its allocation.
 */
import { BlockList, isIP, type Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { FrameTooLargeError, MAX_STREAM_FRAME_BYTES, StreamFramer } from './codec/stream-framer.js';
import { proxySignature, readProxyHeader } from './codec/proxy-header.js';
import { fiveTupleKey, type ClientLink, type ClientTransport } from './transport.js';
import { Tally } from './allocation/counters.js';
import type { TurnConfig } from './config.js';
import type { ClosedReason, LimitName } from './metrics.js';
import type { ThrottledLog } from './throttled-log.js';

/**
 * Frames larger than this close a connection that holds no allocation: an
 * Allocate with every string at its longest fits.
 */
export const PRE_ALLOCATION_FRAME_BYTES = 4096;
/** A client that leaves this much unread is not reading: its packets are dropped, as UDP would lose them. */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** A connection being closed gets this long to take what was sent to it before it is cut. */
const FLUSH_MS = 2_000;

export type StreamLimits = Pick<
  TurnConfig,
  | 'maxConnections'
  | 'maxConnectionsPerAddress'
  | 'tlsHandshakeTimeoutMs'
  | 'connectionIdleTimeoutMs'
  | 'proxyProtocolFrom'
>;

export interface StreamEvents {
  /** One STUN message or ChannelData frame from the client. */
  frame(link: ClientLink, frame: Buffer): void;
  /** The connection closed, for whatever reason: its allocation goes with it. */
  gone(link: ClientLink): void;
  refused(limit: LimitName): void;
  closed(reason: ClosedReason): void;
  dropped(reason: 'slow-client' | 'send-failed'): void;
  /** The TLS context new connections are served with; undefined while there is no usable certificate. */
  secureContext(): SecureContext | undefined;
}

/** The client behind a connection, and its 5-tuple key. */
interface Client {
  address: string;
  port: number;
  key: string;
}

/** One admitted connection: the TCP socket (under the TLS layer, for TLS) and its timers. */
interface Connection {
  raw: Socket;
  transport: ClientTransport;
  serverPort: number;
  framer: StreamFramer;
  idle: NodeJS.Timeout;
  /** Until the header and the TLS handshake are done: the handshake timeout, from accept. */
  handshake: NodeJS.Timeout | undefined;
  stage: 'header' | 'handshake' | 'open';
  /** Known at accept, or once a router's header is read. */
  client: Client | undefined;
}

export class StreamConnections {
  private readonly all = new Set<Connection>();
  private readonly byKey = new Map<string, Connection>();
  private readonly perAddress: Tally;
  private readonly routers: BlockList;

  constructor(
    private readonly limits: StreamLimits,
    private readonly events: StreamEvents,
    /** For lines a client can cause. */
    private readonly log: ThrottledLog,
  ) {
    this.perAddress = new Tally(limits.maxConnectionsPerAddress);
    this.routers = new BlockList();
    for (const cidr of limits.proxyProtocolFrom) {
      const [address = '', prefix] = cidr.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      this.routers.addSubnet(address, prefix === undefined ? (family === 'ipv4' ? 32 : 128) : Number(prefix), family);
    }
  }

  /** Open connections, those still waiting for a header or a handshake included. */
  get size(): number {
    return this.all.size;
  }

  /**
   * For a listener's 'connection' event, before a byte is read. Beyond a
   * cap the socket is destroyed. A TLS connection's TLS layer is started
   * here too, once what comes before it has been read.
   */
  admit(raw: Socket, transport: ClientTransport, serverPort: number): void {
    const address = raw.remoteAddress;
    const port = raw.remotePort;
    if (address === undefined || port === undefined) return void raw.destroy();
    if (this.all.size >= this.limits.maxConnections) {
      this.events.refused('connections');
      return void raw.destroy();
    }
    const proxied = this.isRouter(address);
    const connection: Connection = {
      raw,
      transport,
      serverPort,
      framer: new StreamFramer(PRE_ALLOCATION_FRAME_BYTES),
      idle: setTimeout(() => this.cut(connection, 'idle'), this.limits.connectionIdleTimeoutMs),
      handshake:
        transport === 'tls' || proxied
          ? setTimeout(
              () => this.cut(connection, connection.stage === 'header' ? 'proxy-header-timeout' : 'handshake-timeout'),
              this.limits.tlsHandshakeTimeoutMs,
            )
          : undefined,
      stage: proxied ? 'header' : 'handshake',
      client: undefined,
    };
    this.all.add(connection);
    raw.on('error', () => raw.destroy());
    raw.once('close', () => this.forget(connection));
    if (!proxied && !this.identify(connection, address, port)) return;
    this.readPreamble(connection, proxied);
  }

  /** The client on `link` now holds an allocation: it may stay, and send full-size frames. */
  allocated(link: ClientLink): void {
    const connection = this.byKey.get(link.key);
    if (connection === undefined) return;
    clearTimeout(connection.idle);
    connection.framer.raiseLimit(MAX_STREAM_FRAME_BYTES);
  }

  closeAll(): void {
    for (const { raw } of this.all) raw.destroy();
  }

  private isRouter(address: string): boolean {
    if (this.limits.proxyProtocolFrom.length === 0) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped !== undefined) return this.routers.check(mapped, 'ipv4');
    return this.routers.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }

  /** Counts the connection for its client; false (and the connection gone) when a cap or a twin refuses it. */
  private identify(connection: Connection, address: string, port: number): boolean {
    if (!this.perAddress.hasRoom(address)) {
      this.events.refused('connections-per-address');
      connection.raw.destroy();
      return false;
    }
    const key = fiveTupleKey(connection.transport, address, port, connection.serverPort);
    if (this.byKey.has(key)) {
      this.cut(connection, 'five-tuple-in-use');
      return false;
    }
    connection.client = { address, port, key };
    this.byKey.set(key, connection);
    this.perAddress.add(address);
    return true;
  }

  private forget(connection: Connection): void {
    clearTimeout(connection.idle);
    clearTimeout(connection.handshake);
    this.all.delete(connection);
    const { client } = connection;
    if (client === undefined) return;
    if (this.byKey.get(client.key) === connection) this.byKey.delete(client.key);
    this.perAddress.remove(client.address);
  }

  /**
   * Reads what comes before the client's own bytes: a router's header, or
   * from anyone else just enough (at most 12 bytes) to tell that it is no
   * header. What was read past it goes on to the framer or the TLS layer.
   */
  private readPreamble(connection: Connection, proxied: boolean): void {
    const { raw } = connection;
    let held: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      if (!proxied) {
        const signature = proxySignature(held);
        if (signature === 'maybe') return;
        raw.off('data', onData);
        if (signature === 'no') return this.start(connection, held);
        this.log.warn(
          { client: raw.remoteAddress, clientPort: raw.remotePort, transport: connection.transport },
          'PROXY protocol header from an address not in TURN_PROXY_PROTOCOL_FROM: connection closed',
        );
        return this.cut(connection, 'proxy-untrusted');
      }
      const header = readProxyHeader(held);
      if (header.status === 'incomplete') return;
      raw.off('data', onData);
      if (header.status === 'invalid') {
        this.log.warn(
          { router: raw.remoteAddress, problem: header.problem, transport: connection.transport },
          'invalid PROXY protocol header: connection closed',
        );
        return this.cut(connection, 'proxy-header-invalid');
      }
      const { address, port } = header.source ?? { address: raw.remoteAddress ?? '', port: raw.remotePort ?? 0 };
      if (this.identify(connection, address, port)) this.start(connection, held.subarray(header.length));
    };
    raw.on('data', onData);
  }

  /** The client's own bytes begin: `rest` is what was read of them already. */
  private start(connection: Connection, rest: Buffer): void {
    const { raw } = connection;
    if (connection.transport !== 'tls') {
      connection.stage = 'open';
      clearTimeout(connection.handshake);
      return this.serve(connection, raw, rest);
    }
    const secureContext = this.events.secureContext();
    if (secureContext === undefined) return this.cut(connection, 'tls-unavailable');
    connection.stage = 'handshake';
    // The TLS layer reads what the socket holds first (node's TLSSocket takes a net.Socket's buffered bytes).
    raw.pause();
    if (rest.length > 0) raw.unshift(rest);
    const tls = new TLSSocket(raw, { isServer: true, secureContext });
    tls.on('error', (err) => {
      if (connection.stage === 'handshake') {
        this.log.debug({ err, client: connection.client?.address }, 'TLS handshake failed');
      }
      tls.destroy();
      raw.destroy();
    });
    tls.once('secure', () => {
      connection.stage = 'open';
      clearTimeout(connection.handshake);
      this.serve(connection, tls, Buffer.alloc(0));
    });
  }

  /** Reads frames: from the TCP socket, or the TLS socket once the handshake is done; `rest` first. */
  private serve(connection: Connection, socket: Socket, rest: Buffer): void {
    const { address, port, key } = connection.client!;
    const link: ClientLink = {
      transport: connection.transport,
      address,
      port,
      key,
      send: (out) => {
        if (!socket.writable) return this.events.dropped('send-failed');
        if (socket.writableLength > MAX_UNREAD_BYTES) return this.events.dropped('slow-client');
        socket.write(out);
      },
      close: () => this.finish(connection, socket),
    };
    socket.setNoDelay(true);
    const onData = (chunk: Buffer): void => {
      let frames: Buffer[];
      try {
        frames = connection.framer.push(chunk);
      } catch (error) {
        // Framing is lost for good either way; nothing thrown here may reach the process.
        return this.cut(connection, error instanceof FrameTooLargeError ? 'frame-too-large' : 'unframeable');
      }
      for (const frame of frames) this.events.frame(link, frame);
    };
    socket.on('data', onData);
    socket.once('close', () => {
      connection.raw.destroy();
      this.events.gone(link);
    });
    if (rest.length > 0) onData(rest);
    socket.resume();
  }

  private cut(connection: Connection, reason: ClosedReason): void {
    if (connection.raw.destroyed) return;
    this.events.closed(reason);
    connection.raw.destroy();
  }

  /** Ends a connection whose allocation ended, once what was sent to it (the Refresh answer) is flushed. */
  private finish(connection: Connection, socket: Socket): void {
    if (connection.raw.destroyed) return;
    this.events.closed('allocation-ended');
    const flushing = setTimeout(() => connection.raw.destroy(), FLUSH_MS);
    connection.raw.once('close', () => clearTimeout(flushing));
    socket.end(() => connection.raw.destroy());
  }
}
