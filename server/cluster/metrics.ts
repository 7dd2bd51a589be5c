/**
 * Shared mode's own metrics, each labelled with this node's id, so that the
 * series of several nodes can be told apart (and summed) in one Prometheus.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ClusterGauges {
  rooms(): number;
  members(): number;
  up(): boolean;
}

export function createClusterMetrics(registry: Registry, node: string, gauges: ClusterGauges) {
  const labels = { node };
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['node'],
      registers: [registry],
      collect() {
        this.set(labels, read());
      },
    });
  gauge('vc_cluster_rooms', 'Rooms this node follows (it holds a seat or a wait in them).', gauges.rooms);
  gauge('vc_cluster_members', "Seats held by this node's sockets.", gauges.members);
  gauge('vc_cluster_redis_up', 'Whether this node can reach Redis and serve requests (1) or not (0).', () =>
    gauges.up() ? 1 : 0,
  );
  const messages = new Counter({
    name: 'vc_cluster_messages_total',
    help: 'Messages between nodes through Redis: out (published by this node), in (received for its sockets).',
    labelNames: ['node', 'direction'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'vc_cluster_redis_errors_total',
    help: 'Redis requests that failed, and connections lost.',
    labelNames: ['node'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'vc_cluster_redis_command_seconds',
    help: 'Time a room request (a script) took in Redis, round trip included.',
    labelNames: ['node'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
    registers: [registry],
  });
  const sent = messages.labels(node, 'out');
  const received = messages.labels(node, 'in');
  const failed = errors.labels(node);
  const timing = latency.labels(node);
  return {
    sent: () => sent.inc(),
    received: () => received.inc(),
    failed: () => failed.inc(),
    /** Starts timing one request; call the result when it is answered. */
    time: () => timing.startTimer(),
  };
}

export type ClusterMetrics = ReturnType<typeof createClusterMetrics>;
