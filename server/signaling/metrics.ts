/**
 * Signaling's Prometheus series. Label values are bounded (message types,
 * error codes); room names and peer ids never become labels.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ErrorCode, UnauthorizedReason } from '../../protocol/signaling.js';

export interface SignalingGauges {
  connections(): number;
  rooms(): number;
  peers(): number;
  waiting(): number;
  addresses(): number;
}

export type UpgradeRefusalReason =
  'origin' | 'host' | 'capacity' | 'address' | 'over-budget' | 'upgrades' | 'shutting-down';

export function createSignalingMetrics(registry: Registry, gauges: SignalingGauges) {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('vc_signaling_connections', 'Open signaling WebSocket connections.', gauges.connections);
  gauge('vc_signaling_rooms', 'Rooms with at least one peer.', gauges.rooms);
  gauge('vc_signaling_peers', 'Peers joined to a room.', gauges.peers);
  gauge('vc_signaling_lobby_waiting', 'Guests waiting in a lobby to be admitted.', gauges.waiting);
  gauge(
    'vc_signaling_addresses',
    'Client addresses whose budgets are remembered (active, or lately).',
    gauges.addresses,
  );

  const frames = new Counter({
    name: 'vc_signaling_frames_total',
    help: 'Valid inbound frames, by message type.',
    labelNames: ['type'],
    registers: [registry],
  });
  const relayed = new Counter({
    name: 'vc_signaling_relayed_total',
    help: 'Signals relayed to a peer, by payload kind.',
    labelNames: ['kind'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'vc_signaling_errors_total',
    help: 'Error frames sent to clients, by error code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const joinsRefused = new Counter({
    name: 'vc_signaling_joins_refused_total',
    help: 'Joins refused for their room token (unauthorized), by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'vc_signaling_upgrades_refused_total',
    help: 'WebSocket upgrades refused, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });

  const pauses = new Counter({
    name: 'vc_signaling_read_pauses_total',
    help: 'Times a socket stopped being read because it or its address was over a byte budget.',
    registers: [registry],
  });

  const frameByType = new Map<string, { inc(): void }>();
  return {
    frame(type: string): void {
      let child = frameByType.get(type);
      if (child === undefined) {
        child = frames.labels(type);
        frameByType.set(type, child);
      }
      child.inc();
    },
    relayed: {
      description: relayed.labels('description'),
      candidate: relayed.labels('candidate'),
    },
    error(code: ErrorCode): void {
      errors.labels(code).inc();
    },
    joinRefused(reason: UnauthorizedReason): void {
      joinsRefused.labels(reason).inc();
    },
    refused(reason: UpgradeRefusalReason): void {
      refused.labels(reason).inc();
    },
    paused(): void {
      pauses.inc();
    },
  };
}

export type SignalingMetrics = ReturnType<typeof createSignalingMetrics>;
