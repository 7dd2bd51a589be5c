/**
 * The bundled TURN relay: UDP and TCP listeners on one port (3478 by
 * default), TLS on another when a certificate is configured, all feeding one
 * RequestHandler. `TurnRelay` never reads the environment; main.ts does.
 *
 * Nothing a client sends may stop the process: every packet's handling runs
 * under one catch (a bug costs that packet, is counted and logged at a
 * bounded rate), links never throw on send, and a datagram from source port
 * 0, which cannot be answered, is dropped before it is read.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createTcpServer, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { TurnConfig } from './config.js';
import { Authenticator } from './auth.js';
import { AllocationManager } from './allocation/manager.js';
import { PeerPolicy } from './peer-policy.js';
import { RequestHandler } from './requests.js';
import { createTurnMetrics, serveMetrics, type TurnMetrics } from './metrics.js';
import type { ClientLink } from './transport.js';
import type { Allocation } from './allocation/allocation.js';
import { UdpLinks } from './udp-links.js';
import { ipLiteralLookup } from './ip-lookup.js';
import { StreamConnections } from './stream-connections.js';
import { CertificateWatcher, certificateFiles } from './tls-certificate.js';
import { caddyStorage } from './caddy-storage.js';
import { ThrottledLog } from './throttled-log.js';
import { localAddresses } from './local-addresses.js';

const LISTENER_BUFFER_BYTES = 4 * 1024 * 1024;

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
  private readonly streams: StreamConnections;
  /** For lines a client can cause, one per packet at worst. */
  private readonly clientLog: ThrottledLog;
  private udp: Socket | undefined;
  private udpLinks: UdpLinks | undefined;
  private tcp: Server | undefined;
  private tls: Server | undefined;
  private certificate: CertificateWatcher | undefined;
  private metricsServer: import('node:http').Server | undefined;

  constructor(
    private readonly config: TurnConfig,
    private readonly log: Logger,
  ) {
    this.clientLog = new ThrottledLog(log);
    const policy = new PeerPolicy({
      relayAddresses: [config.relayAddress, config.externalAddress],
      localAddresses: localAddresses(),
      allowed: config.allowedPeers,
    });
    this.metrics = createTurnMetrics({
      allocations: () => this.allocations.stats.allocations,
      reservations: () => this.allocations.stats.reservations,
      permissions: () => this.allocations.stats.permissions,
      channels: () => this.allocations.stats.channels,
      connections: () => this.streams.size,
      tlsCertificateExpiry: () => this.certificate?.expiry,
    });
    this.allocations = new AllocationManager(config, policy, {
      relayed: (direction, bytes) => this.metrics.relayed(direction, bytes),
      dropped: (reason) => this.metrics.dropped(reason),
      expired: (allocation) =>
        log.debug({ user: allocation.user, port: allocation.relayed.port }, 'allocation expired'),
      created: (allocation) => {
        this.udpLinks?.keep(allocation.client);
        this.streams.allocated(allocation.client);
        // The client's real address (behind a router too: the PROXY header's), for the operator's logs.
        log.info(allocationFields(allocation), 'allocation created');
      },
      removed: (allocation) => {
        this.udpLinks?.forget(allocation.client);
        allocation.client.close();
        log.debug(allocationFields(allocation), 'allocation removed');
      },
    });
    this.streams = new StreamConnections(
      config,
      {
        frame: (link, frame) => this.dispatch(link, frame),
        gone: (link) => this.allocations.removeClient(link),
        refused: (limit) => this.metrics.refused(limit),
        closed: (reason) => this.metrics.closed(reason),
        dropped: (reason) => this.metrics.dropped(reason),
        secureContext: () => this.certificate?.context,
      },
      this.clientLog,
    );
    const auth = new Authenticator({
      secret: config.secret,
      realm: config.realm,
      nonceLifetimeSeconds: config.nonceLifetime,
    });
    this.handler = new RequestHandler({
      config,
      auth,
      allocations: this.allocations,
      policy,
      metrics: this.metrics,
      log: this.clientLog,
    });
  }

  async start(): Promise<RelayPorts> {
    const udpPort = await this.listenUdpAndTcp();
    const tlsPort = await this.listenTls();
    this.metricsServer = await serveMetrics(this.metrics, {
      host: this.config.metricsHost,
      port: this.config.metricsPort,
      log: this.clientLog,
    });
    const address = this.metricsServer.address();
    const metricsPort = typeof address === 'object' && address !== null ? address.port : 0;
    return { udp: udpPort, tcp: udpPort, tls: tlsPort, metrics: metricsPort };
  }

  /** UDP clients whose link the listener keeps: one per live UDP allocation (see UdpLinks). */
  get udpLinksKept(): number {
    return this.udpLinks?.size ?? 0;
  }

  async stop(): Promise<void> {
    await this.certificate?.stop();
    this.allocations.close();
    this.streams.closeAll();
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
      const udp = createSocket({
        type: 'udp4',
        recvBufferSize: LISTENER_BUFFER_BYTES,
        sendBufferSize: LISTENER_BUFFER_BYTES,
        lookup: ipLiteralLookup,
      });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, listenHost, () => resolve());
      });
      const udpPort = udp.address().port;
      const tcp = createTcpServer((socket) => this.streams.admit(socket, 'tcp', udpPort));
      try {
        await listen(tcp, udpPort, listenHost);
      } catch (error) {
        udp.close();
        if (port !== 0 || attempt >= 10) throw error;
        continue;
      }
      const links = new UdpLinks(udp, udpPort, () => this.metrics.dropped('send-failed'));
      udp.on('message', (data, remote) => {
        // Port 0 is no address to answer at (only a raw socket sends from it): refused before anything is kept.
        if (remote.port === 0) return this.metrics.dropped('source-port-0');
        this.dispatch(links.link(remote.address, remote.port), data);
      });
      udp.on('error', (err) => this.clientLog.warn({ err }, 'UDP listener error'));
      // Accept failures (EMFILE when descriptors run out) are reported here; the listener carries on.
      tcp.on('error', (err) => this.clientLog.warn({ err }, 'TCP listener error'));
      this.udp = udp;
      this.udpLinks = links;
      this.tcp = tcp;
      return udpPort;
    }
  }

  /**
   * TLS, when a certificate source is configured: files, or Caddy's
   * storage. The pair is found and read (again on change) by the
   * CertificateWatcher; without a usable one the relay runs without working
   * TLS, and says so. The listener is plain TCP: StreamConnections reads a
   * router's PROXY header first, then starts TLS with the pair in use.
   */
  private async listenTls(): Promise<number | undefined> {
    const { tlsCert, tlsKey, tlsCaddyStorage, tlsDomain, tlsPort, listenHost } = this.config;
    const source =
      tlsCert !== undefined && tlsKey !== undefined
        ? certificateFiles({ cert: tlsCert, key: tlsKey })
        : tlsCaddyStorage !== undefined && tlsDomain !== undefined
          ? caddyStorage(tlsCaddyStorage, tlsDomain)
          : undefined;
    if (source === undefined) return undefined;
    let port = tlsPort;
    const tls = createTcpServer((socket) => this.streams.admit(socket, 'tls', port));
    tls.on('error', (err) => this.clientLog.warn({ err }, 'TLS listener error'));
    this.certificate = new CertificateWatcher(source, this.log, this.config.tlsReloadIntervalMs);
    await this.certificate.start();
    port = await listen(tls, tlsPort, listenHost);
    this.tls = tls;
    return port;
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
    this.metrics.internalError();
    this.clientLog.error({ err, client: link.address }, 'request failed');
  }
}

function allocationFields(allocation: Allocation): object {
  const { client, user, relayed } = allocation;
  return {
    client: client.address,
    clientPort: client.port,
    transport: client.transport,
    user,
    relayed: `${relayed.address}:${relayed.port}`,
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
