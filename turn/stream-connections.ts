/**
 * The relay's TCP and TLS clients (RFC 8656 §3.1): who may connect, how long
 * a connection may live without doing anything useful, and how much it may
 * make the relay hold.
 *
 * - Each connection is admitted against a total and a per-address cap
 *   before a byte is read.
 * - A TLS connection must finish its handshake within the handshake
 *   timeout; any connection must hold an allocation within the idle timeout.
 * - Until it holds one, a frame above PRE_ALLOCATION_FRAME_BYTES closes it,
 *   so an unauthenticated connection makes the relay hold a few KiB at most.
 * - When its allocation ends (Refresh 0, expiry), the connection is closed,
 *   as coturn does: a connection exists for its allocation.
 */
import type { Socket } from 'node:net';
import { FrameTooLargeError, MAX_STREAM_FRAME_BYTES, StreamFramer } from './codec/stream-framer.js';
import { fiveTupleKey, type ClientLink, type ClientTransport } from './transport.js';
import { Tally } from './allocation/counters.js';
import type { TurnConfig } from './config.js';
import type { ClosedReason, LimitName } from './metrics.js';

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
  'maxConnections' | 'maxConnectionsPerAddress' | 'tlsHandshakeTimeoutMs' | 'connectionIdleTimeoutMs'
>;

export interface StreamEvents {
  /** One STUN message or ChannelData frame from the client. */
  frame(link: ClientLink, frame: Buffer): void;
  /** The connection closed, for whatever reason: its allocation goes with it. */
  gone(link: ClientLink): void;
  refused(limit: LimitName): void;
  closed(reason: ClosedReason): void;
  dropped(reason: 'slow-client' | 'send-failed'): void;
}

/** One admitted connection, by its 5-tuple: the TCP socket (under the TLS layer, for TLS) and its timers. */
interface Connection {
  raw: Socket;
  framer: StreamFramer;
  idle: NodeJS.Timeout;
  handshake: NodeJS.Timeout | undefined;
}

export class StreamConnections {
  private readonly connections = new Map<string, Connection>();
  private readonly perAddress: Tally;

  constructor(
    private readonly limits: StreamLimits,
    private readonly events: StreamEvents,
  ) {
    this.perAddress = new Tally(limits.maxConnectionsPerAddress);
  }

  get size(): number {
    return this.connections.size;
  }

  /**
   * For a listener's 'connection' event, before a byte is read. Beyond a
   * cap the socket is destroyed. A TCP connection is served at once; a TLS
   * one (`raw` is then the socket under the TLS layer) once `serve` is given
   * its TLS socket, which must happen within the handshake timeout.
   */
  admit(raw: Socket, transport: ClientTransport, serverPort: number): void {
    const address = raw.remoteAddress;
    const port = raw.remotePort;
    if (address === undefined || port === undefined) return void raw.destroy();
    const refused: LimitName | undefined =
      this.connections.size >= this.limits.maxConnections
        ? 'connections'
        : this.perAddress.hasRoom(address)
          ? undefined
          : 'connections-per-address';
    if (refused !== undefined) {
      this.events.refused(refused);
      return void raw.destroy();
    }
    const key = fiveTupleKey(transport, address, port, serverPort);
    const connection: Connection = {
      raw,
      framer: new StreamFramer(PRE_ALLOCATION_FRAME_BYTES),
      idle: setTimeout(() => this.cut(connection, 'idle'), this.limits.connectionIdleTimeoutMs),
      handshake:
        transport === 'tls'
          ? setTimeout(() => this.cut(connection, 'handshake-timeout'), this.limits.tlsHandshakeTimeoutMs)
          : undefined,
    };
    this.connections.set(key, connection);
    this.perAddress.add(address);
    raw.on('error', () => raw.destroy());
    raw.once('close', () => {
      clearTimeout(connection.idle);
      clearTimeout(connection.handshake);
      this.connections.delete(key);
      this.perAddress.remove(address);
    });
    if (transport !== 'tls') this.serve(raw, transport, serverPort);
  }

  /** Reads frames from an admitted connection: its TCP socket, or its TLS socket once the handshake is done. */
  serve(socket: Socket, transport: ClientTransport, serverPort: number): void {
    const address = socket.remoteAddress ?? '';
    const port = socket.remotePort ?? 0;
    const key = fiveTupleKey(transport, address, port, serverPort);
    const connection = this.connections.get(key);
    if (connection === undefined) return void socket.destroy();
    clearTimeout(connection.handshake);
    const link: ClientLink = {
      transport,
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
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = connection.framer.push(chunk);
      } catch (error) {
        // Framing is lost for good either way; nothing thrown here may reach the process.
        return this.cut(connection, error instanceof FrameTooLargeError ? 'frame-too-large' : 'unframeable');
      }
      for (const frame of frames) this.events.frame(link, frame);
    });
    if (socket !== connection.raw) socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      connection.raw.destroy();
      this.events.gone(link);
    });
  }

  /** The client on `link` now holds an allocation: it may stay, and send full-size frames. */
  allocated(link: ClientLink): void {
    const connection = this.connections.get(link.key);
    if (connection === undefined) return;
    clearTimeout(connection.idle);
    connection.framer.raiseLimit(MAX_STREAM_FRAME_BYTES);
  }

  closeAll(): void {
    for (const { raw } of this.connections.values()) raw.destroy();
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
