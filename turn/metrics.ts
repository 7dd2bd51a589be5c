/**
 * The relay's Prometheus series, served on their own port (TURN_METRICS_PORT,
 * loopback by default) since the relay has no HTTP server of its own.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuthFailure } from './auth.js';
import type { ThrottledLog } from './throttled-log.js';

/**
 * How often the event-loop lag is sampled. prom-client's default, 10 ms, is a
 * timer firing 100 times a second: most of what an idle relay spends (3 of its
 * 3.5 ms of CPU per second). Ten samples a second still show a saturated loop
 * between two scrapes.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

export interface RelayGauges {
  allocations(): number;
  reservations(): number;
  permissions(): number;
  channels(): number;
  connections(): number;
  /** Unix seconds when the TLS certificate in use expires; undefined without one. */
  tlsCertificateExpiry(): number | undefined;
}

/** A limit that refused something: which one, for `vc_turn_limit_refusals_total`. */
export type LimitName =
  | 'allocations'
  | 'allocations-per-user'
  | 'allocations-per-address'
  | 'permissions'
  | 'channels'
  | 'connections'
  | 'connections-per-address';

/** Why the relay closed a TCP/TLS connection, for `vc_turn_connections_closed_total`. */
export type ClosedReason =
  | 'handshake-timeout'
  | 'idle'
  | 'allocation-ended'
  | 'unframeable'
  | 'frame-too-large'
  /** From a TURN_PROXY_PROTOCOL_FROM address: no complete header within the handshake timeout. */
  | 'proxy-header-timeout'
  /** From a TURN_PROXY_PROTOCOL_FROM address: the first bytes are not a header the relay accepts. */
  | 'proxy-header-invalid'
  /** From any other address: the first bytes are a PROXY header (a client claiming another's address). */
  | 'proxy-untrusted'
  /** Two proxied connections named the same client address and port. */
  | 'five-tuple-in-use'
  /** TLS without a usable certificate yet (waiting for one). */
  | 'tls-unavailable';

export function createTurnMetrics(gauges: RelayGauges) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vc_turn_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('vc_turn_allocations', 'Live allocations.', gauges.allocations);
  gauge('vc_turn_reservations', 'Relay ports reserved by EVEN-PORT for a later Allocate.', gauges.reservations);
  gauge(
    'vc_turn_permissions',
    'Permissions held (expired ones until the next sweep, at most 5 s).',
    gauges.permissions,
  );
  gauge('vc_turn_channels', 'Channel bindings held (expired ones until the next sweep, at most 5 s).', gauges.channels);
  gauge('vc_turn_connections', 'Open TCP and TLS client connections.', gauges.connections);
  new Gauge({
    name: 'vc_turn_tls_certificate_expiry_seconds',
    help: 'When the TLS certificate in use expires (Unix seconds); absent without TLS.',
    registers: [registry],
    collect() {
      const expiry = gauges.tlsCertificateExpiry();
      if (expiry === undefined) this.reset();
      else this.set(expiry);
    },
  });
  const limitRefusals = new Counter({
    name: 'vc_turn_limit_refusals_total',
    help: 'Requests and connections refused by a limit, by limit.',
    labelNames: ['limit'],
    registers: [registry],
  });
  const connectionsClosed = new Counter({
    name: 'vc_turn_connections_closed_total',
    help: 'TCP/TLS connections the relay closed, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const internalErrors = new Counter({
    name: 'vc_turn_internal_errors_total',
    help: 'Packets whose handling threw: a bug, logged (rate-limited) with its stack.',
    registers: [registry],
  });
  const requests = new Counter({
    name: 'vc_turn_requests_total',
    help: 'STUN/TURN requests answered, by method and outcome.',
    labelNames: ['method', 'code'],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'vc_turn_auth_failures_total',
    help: 'Requests refused for their credentials, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Relayed and dropped packets are counted per datagram: plain numbers here, handed to prom-client when scraped.
  const relayedSince = { 'to-peer': { bytes: 0, packets: 0 }, 'to-client': { bytes: 0, packets: 0 } };
  const droppedSince = new Map<string, number>();
  const flushRelayed = (counter: Counter<'direction'>, field: 'bytes' | 'packets') => {
    for (const [direction, since] of Object.entries(relayedSince)) {
      if (since[field] > 0) counter.labels(direction).inc(since[field]);
      since[field] = 0;
    }
  };
  new Counter({
    name: 'vc_turn_relayed_bytes_total',
    help: 'Payload bytes relayed, by direction.',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      flushRelayed(this, 'bytes');
    },
  });
  new Counter({
    name: 'vc_turn_relayed_packets_total',
    help: 'Packets relayed, by direction.',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      flushRelayed(this, 'packets');
    },
  });
  new Counter({
    name: 'vc_turn_dropped_packets_total',
    help: 'Packets not relayed, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const [reason, count] of droppedSince) this.labels(reason).inc(count);
      droppedSince.clear();
    },
  });

  return {
    registry,
    request(method: string, code: number): void {
      requests.labels(method, String(code)).inc();
    },
    authFailure(reason: AuthFailure): void {
      authFailures.labels(reason).inc();
    },
    refused(limit: LimitName): void {
      limitRefusals.labels(limit).inc();
    },
    closed(reason: ClosedReason): void {
      connectionsClosed.labels(reason).inc();
    },
    internalError(): void {
      internalErrors.inc();
    },
    relayed(direction: 'to-peer' | 'to-client', size: number): void {
      const since = relayedSince[direction];
      since.bytes += size;
      since.packets += 1;
    },
    dropped(reason: string): void {
      droppedSince.set(reason, (droppedSince.get(reason) ?? 0) + 1);
    },
  };
}

export type TurnMetrics = ReturnType<typeof createTurnMetrics>;

export interface MetricsListener {
  host: string;
  port: number;
  /** Where listener errors go once listening (accept failures such as EMFILE under a connection flood). */
  log: ThrottledLog;
}

export async function serveMetrics(metrics: TurnMetrics, listener: MetricsListener): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listener.port, listener.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Without a listener, an 'error' after listening (Node emits accept failures there) would end the relay.
  server.on('error', (err) => listener.log.warn({ err }, 'metrics listener error'));
  return server;
}
