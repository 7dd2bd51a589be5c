/**
 * The bundled TURN relay: UDP and TCP listeners on one port (3478 by
 * default), TLS on another when a certificate is configured, all feeding one
 * RequestHandler. `TurnRelay` never reads the environment; main.ts does.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createTcpServer, type Server, type Socket as TcpSocket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { TurnConfig } from './config.js';
import { Authenticator } from './auth.js';
import { AllocationManager } from './allocation/manager.js';
import { PeerPolicy } from './peer-policy.js';
import { RequestHandler } from './requests.js';
import { createTurnMetrics, serveMetrics, type TurnMetrics } from './metrics.js';
import { StreamFramer } from './codec/stream-framer.js';
import { StunParseError } from './codec/message.js';
import { fiveTupleKey, type ClientLink, type ClientTransport } from './transport.js';
import { UdpLinks } from './udp-links.js';
import { ipLiteralLookup } from './ip-lookup.js';

/** A stream client that buffers more than this is not reading; its packets are dropped, as UDP would lose them. */
const MAX_STREAM_BUFFER = 1024 * 1024;
const LISTENER_BUFFER_BYTES = 4 * 1024 * 1024;
/** A TCP/TLS connection that has not allocated within this time is closed. */
const STREAM_ALLOCATE_TIMEOUT_MS = 30_000;

export interface RelayPorts {
  udp: number;
  tcp: number;
  tls: number | undefined;
  metrics: number;
}

export class TurnRelay {
  readonly metrics: TurnMetrics;
  private readonly allocations: AllocationManager;
  private readonly handler: RequestHandler;
  private udp: Socket | undefined;
  private udpLinks: UdpLinks | undefined;
  private tcp: Server | undefined;
  private tls: Server | undefined;
  private metricsServer: import('node:http').Server | undefined;
  private readonly streams = new Set<TcpSocket>();

  constructor(
    private readonly config: TurnConfig,
    private readonly log: Logger,
  ) {
    const policy = new PeerPolicy({
      relayAddresses: [config.relayAddress, config.externalAddress],
      localAddresses: localAddresses(),
      minPort: config.minPort,
      maxPort: config.maxPort,
      allowed: config.allowedPeers,
    });
    this.metrics = createTurnMetrics({
      allocations: () => this.allocations.stats.allocations,
      permissions: () => this.allocations.stats.permissions,
      channels: () => this.allocations.stats.channels,
    });
    this.allocations = new AllocationManager(config, policy, {
      relayed: (direction, bytes) => this.metrics.relayed(direction, bytes),
      dropped: (reason) => this.metrics.dropped(reason),
      expired: (allocation) => log.debug({ user: allocation.user, port: allocation.relayed.port }, 'allocation expired'),
      created: (allocation) => this.udpLinks?.keep(allocation.client),
      removed: (allocation) => this.udpLinks?.forget(allocation.client),
    });
    const auth = new Authenticator({ secret: config.secret, realm: config.realm, nonceLifetimeSeconds: config.nonceLifetime });
    this.handler = new RequestHandler(config, auth, this.allocations, policy, this.metrics, log);
  }

  async start(): Promise<RelayPorts> {
    const { listenHost } = this.config;
    const udpPort = await this.listenUdpAndTcp();

    let tlsPort: number | undefined;
    if (this.config.tlsCert !== undefined && this.config.tlsKey !== undefined) {
      const options = { cert: readFileSync(this.config.tlsCert), key: readFileSync(this.config.tlsKey) };
      this.tls = createTlsServer(options, (socket) => this.stream(socket, 'tls', tlsPort ?? 0));
      this.tls.on('tlsClientError', (err) => this.log.debug({ err }, 'TLS handshake failed'));
      tlsPort = await listen(this.tls, this.config.tlsPort, listenHost);
    }
    this.metricsServer = await serveMetrics(this.metrics, this.config.metricsHost, this.config.metricsPort);
    const address = this.metricsServer.address();
    const metricsPort = typeof address === 'object' && address !== null ? address.port : 0;
    return { udp: udpPort, tcp: udpPort, tls: tlsPort, metrics: metricsPort };
  }

  /** UDP clients whose link the listener keeps: one per live UDP allocation (see UdpLinks). */
  get udpLinksKept(): number {
    return this.udpLinks?.size ?? 0;
  }

  async stop(): Promise<void> {
    this.allocations.close();
    for (const socket of this.streams) socket.destroy();
    this.udp?.close();
    const servers = [this.tcp, this.tls, this.metricsServer].filter((server) => server?.listening === true);
    await Promise.all(servers.map((server) => new Promise((resolve) => server?.close(resolve))));
  }

  /**
   * UDP and TCP on the same port. With port 0 (tests) the port the UDP socket
   * got may already be taken for TCP; then both move to another.
   */
  private async listenUdpAndTcp(): Promise<number> {
    const { listenHost, port } = this.config;
    for (let attempt = 0; ; attempt++) {
      // Bursts from many clients land here at once; the kernel caps this at net.core.rmem_max.
      const udp = createSocket({ type: 'udp4', recvBufferSize: LISTENER_BUFFER_BYTES, sendBufferSize: LISTENER_BUFFER_BYTES, lookup: ipLiteralLookup });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, listenHost, () => resolve());
      });
      const udpPort = udp.address().port;
      const tcp = createTcpServer((socket) => this.stream(socket, 'tcp', udpPort));
      try {
        await listen(tcp, udpPort, listenHost);
      } catch (error) {
        udp.close();
        if (port !== 0 || attempt >= 10) throw error;
        continue;
      }
      const links = new UdpLinks(udp, udpPort);
      udp.on('message', (data, remote) => this.dispatch(links.link(remote.address, remote.port), data));
      udp.on('error', (err) => this.log.warn({ err }, 'UDP listener error'));
      this.udp = udp;
      this.udpLinks = links;
      this.tcp = tcp;
      return udpPort;
    }
  }

  /** Runs for every datagram and frame, so it makes no closure unless a request is pending. */
  private dispatch(link: ClientLink, data: Buffer): void {
    try {
      this.handler.handle(link, data)?.catch((err: unknown) => this.failed(link, err));
    } catch (err) {
      this.failed(link, err);
    }
  }

  private failed(link: ClientLink, err: unknown): void {
    this.log.error({ err, client: link.address }, 'request failed');
  }

  private stream(socket: TcpSocket, transport: ClientTransport, serverPort: number): void {
    const address = socket.remoteAddress ?? '';
    const port = socket.remotePort ?? 0;
    const link: ClientLink = {
      transport,
      address,
      port,
      key: fiveTupleKey(transport, address, port, serverPort),
      send: (out) => {
        if (socket.writableLength > MAX_STREAM_BUFFER) return this.metrics.dropped('slow-client');
        socket.write(out);
      },
    };
    this.streams.add(socket);
    const framer = new StreamFramer();
    socket.setNoDelay(true);
    const idle = setTimeout(() => {
      if (this.allocations.get(link) === undefined) socket.destroy();
    }, STREAM_ALLOCATE_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (error) {
        if (!(error instanceof StunParseError)) throw error;
        this.metrics.dropped('unframeable-stream');
        return void socket.destroy();
      }
      for (const frame of frames) this.dispatch(link, frame);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(idle);
      this.streams.delete(socket);
      this.allocations.removeClient(link);
    });
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Every address of this machine: the relay must not be a way into its own services. */
export function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((entry) => entry?.address)
    .filter((address): address is string => address !== undefined);
}
