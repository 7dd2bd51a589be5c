/**
 * The relay's Prometheus series, served on their own port (TURN_METRICS_PORT,
 * loopback by default) since the relay has no HTTP server of its own.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuthFailure } from './auth.js';

/**
 * How often the event-loop lag is sampled. prom-client's default, 10 ms, is a
 * timer firing 100 times a second: most of what an idle relay spends (3 of its
 * 3.5 ms of CPU per second). Ten samples a second still show a saturated loop
 * between two scrapes.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

export interface RelayGauges {
  allocations(): number;
  permissions(): number;
  channels(): number;
}

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
  gauge('vc_turn_permissions', 'Live permissions, as of the last sweep.', gauges.permissions);
  gauge('vc_turn_channels', 'Live channel bindings, as of the last sweep.', gauges.channels);
  const requests = new Counter({ name: 'vc_turn_requests_total', help: 'STUN/TURN requests answered, by method and outcome.', labelNames: ['method', 'code'], registers: [registry] });
  const authFailures = new Counter({ name: 'vc_turn_auth_failures_total', help: 'Requests refused for their credentials, by reason.', labelNames: ['reason'], registers: [registry] });
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

export async function serveMetrics(metrics: TurnMetrics, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
