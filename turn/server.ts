/**
 * The bundled TURN relay: UDP and TCP listeners on one port (3478 by
 * default), TLS on another when a certificate is configured, all feeding one
 * RequestHandler. `TurnRelay` never reads the environment; main.ts does.
 *
 * Each family has listeners of its own: IPv4 on TURN_LISTEN_HOST, IPv6 on
 * TURN_LISTEN_HOST6 bound IPv6-only, so an IPv4 client is always its dotted
 * address (in quotas, nonces, XOR-MAPPED-ADDRESS), never ::ffff:a.b.c.d. A
 * machine without IPv6 gets a warning and IPv4 alone.
 *
 * Nothing a client sends may stop the process: every packet's handling runs
 * under one catch (a bug costs that packet, is counted and logged at a
 * bounded rate), links never throw on send, and a datagram from source port
 * 0, which cannot be answered, is dropped before it is read.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createTcpServer, isIPv6, type Server } from 'node:net';
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
  /** What listens, as `udp 0.0.0.0:3478`, `tcp [::]:3478`, `tls [::]:5349`…: one line per socket. */
  listeners: string[];
}

/** One family's UDP and TCP listeners, on one host and port. */
interface FamilyListeners {
  host: string;
  udp: Socket;
  links: UdpLinks;
  tcp: Server;
}

/** What a bind to an IPv6 address fails with on a machine (or container) without IPv6, or without that address. */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

export class TurnRelay {
  readonly metrics: TurnMetrics;
  private readonly allocations: AllocationManager;
  private readonly handler: RequestHandler;
  private readonly streams: StreamConnections;
  /** For lines a client can cause, one per packet at worst. */
  private readonly clientLog: ThrottledLog;
  private families: FamilyListeners[] = [];
  private tls: Server | undefined;
  /** Feeds IPv6 connections to the one TLS server (and its certificate). */
  private tls6: Server | undefined;
  private certificate: CertificateWatcher | undefined;
  private metricsServer: import('node:http').Server | undefined;

  constructor(
    private readonly config: TurnConfig,
    private readonly log: Logger,
  ) {
    this.clientLog = new ThrottledLog(log);
    const policy = new PeerPolicy({
      // Bound to every address (0.0.0.0, ::), the relay's own address is the advertised one alone.
      relayAddresses: [
        config.relayAddress,
        config.externalAddress,
        config.relayAddress6,
        config.externalAddress6,
      ].filter((address): address is string => address !== undefined && address !== '0.0.0.0' && address !== '::'),
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
        this.linksOf(allocation.client)?.keep(allocation.client);
        this.streams.allocated(allocation.client);
        // The client's real address (behind a router too: the PROXY header's), for the operator's logs.
        log.info(allocationFields(allocation), 'allocation created');
      },
      removed: (allocation) => {
        this.linksOf(allocation.client)?.forget(allocation.client);
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
    const at = (host: string, port: number) => `${isIPv6(host) ? `[${host}]` : host}:${port}`;
    const listeners = this.families.flatMap(({ host }) => [`udp ${at(host, udpPort)}`, `tcp ${at(host, udpPort)}`]);
    if (tlsPort !== undefined) {
      listeners.push(`tls ${at(this.config.listenHost, tlsPort)}`);
      if (this.tls6 !== undefined) listeners.push(`tls ${at(this.config.listenHost6 ?? '::', tlsPort)}`);
    }
    return { udp: udpPort, tcp: udpPort, tls: tlsPort, metrics: metricsPort, listeners };
  }

  /** UDP clients whose link the listeners keep: one per live UDP allocation (see UdpLinks). */
  get udpLinksKept(): number {
    return this.families.reduce((sum, family) => sum + family.links.size, 0);
  }

  async stop(): Promise<void> {
    await this.certificate?.stop();
    this.allocations.close();
    this.streams.closeAll();
    for (const family of this.families) family.udp.close();
    const servers = [...this.families.map((family) => family.tcp), this.tls, this.tls6, this.metricsServer].filter(
      (server) => server?.listening === true,
    );
    await Promise.all(servers.map((server) => new Promise((resolve) => server?.close(resolve))));
  }

  /**
   * UDP and TCP on the same port, for each family. With port 0 (tests) the
   * port the first UDP socket got may already be taken for the others; then
   * all move to another.
   */
  private async listenUdpAndTcp(): Promise<number> {
    const { listenHost, listenHost6, port } = this.config;
    const hosts = listenHost6 === undefined ? [listenHost] : [listenHost, listenHost6];
    for (let attempt = 0; ; attempt++) {
      const families: FamilyListeners[] = [];
      let chosen = port;
      try {
        for (const host of hosts) {
          const family = await this.listenFamily(host, chosen);
          if (family === undefined) continue;
          families.push(family);
          chosen = family.udp.address().port;
        }
      } catch (error) {
        for (const family of families) closeFamily(family);
        if (port !== 0 || attempt >= 10) throw error;
        continue;
      }
      this.families = families;
      return chosen;
    }
  }

  /** One family's listeners; undefined (and a warning) when the machine has no IPv6 for them. */
  private async listenFamily(host: string, port: number): Promise<FamilyListeners | undefined> {
    // Bursts from many clients land here at once; the kernel caps this at net.core.rmem_max.
    const ipv6 = isIPv6(host);
    const udp = createSocket({
      type: ipv6 ? 'udp6' : 'udp4',
      ipv6Only: ipv6,
      recvBufferSize: LISTENER_BUFFER_BYTES,
      sendBufferSize: LISTENER_BUFFER_BYTES,
      lookup: ipLiteralLookup,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      udp.close();
      if (this.withoutIpv6(host, error)) return undefined;
      throw error;
    }
    const udpPort = udp.address().port;
    const tcp = createTcpServer((socket) => this.streams.admit(socket, 'tcp', udpPort));
    try {
      await listen(tcp, udpPort, host);
    } catch (error) {
      udp.close();
      throw error;
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
    return { host, udp, links, tcp };
  }

  /** An IPv6 bind that failed for want of IPv6: said once, and the relay goes on with IPv4. */
  private withoutIpv6(host: string, error: unknown): boolean {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (!isIPv6(host) || code === undefined || !NO_IPV6.has(code)) return false;
    this.log.warn({ err: error, host }, 'no IPv6 here: listening on IPv4 only (TURN_LISTEN_HOST6=off says so quietly)');
    return true;
  }

  /** The UDP links of the listener a client came in on, if it came over UDP. */
  private linksOf(client: ClientLink): UdpLinks | undefined {
    if (client.transport !== 'udp') return undefined;
    const ipv6 = isIPv6(client.address);
    return this.families.find((family) => isIPv6(family.host) === ipv6)?.links;
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
    await this.listenTls6(port);
    return port;
  }

  /**
   * TLS over IPv6: a listener of its own on the same port, admitting into
   * the same StreamConnections, so one certificate (and its reloads) serves
   * both families. Only where the IPv6 UDP/TCP listeners came up.
   */
  private async listenTls6(port: number): Promise<void> {
    const host = this.families.find((family) => isIPv6(family.host))?.host;
    if (host === undefined) return;
    const tls6 = createTcpServer((socket) => this.streams.admit(socket, 'tls', port));
    tls6.on('error', (err) => this.clientLog.warn({ err }, 'TLS listener error'));
    try {
      await listen(tls6, port, host);
    } catch (error) {
      if (this.withoutIpv6(host, error)) return;
      throw error;
    }
    this.tls6 = tls6;
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

function closeFamily({ udp, tcp }: FamilyListeners): void {
  udp.close();
  tcp.close();
}

/** IPv6 hosts listen IPv6-only: IPv4 has listeners of its own. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ipv6Only: isIPv6(host) }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
