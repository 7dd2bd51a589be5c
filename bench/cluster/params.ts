/**
 * Every parameter of the cluster bench in one place, so the report prints
 * exactly what ran. The connection and setup constants are the signaling
 * bench's (../signaling/params.ts), so both benches set rooms up alike.
 */

/** `single`: one node, REDIS_URL unset. `cross`: two nodes sharing a Redis, the peers of every room apart. */
export const VARIANTS = ['single', 'cross'] as const;
export type Topology = (typeof VARIANTS)[number];

/** Per variant; each round against fresh processes. */
export const latency = {
  rounds: 5,
  rooms: 200,
  /** Relayed signals per second across all clients, on a schedule regardless of replies. */
  ratePerSecond: 800,
  warmupMs: 2_000,
  measureMs: 8_000,
} as const;

/** 10 000 joined connections: 5 000 rooms of two; across two nodes, 5 000 on each. */
export const memory = {
  rounds: 3,
  rooms: 5_000,
} as const;

/** Targets of issue 14. */
export const targets = {
  /** Cross-node p99 on loopback, absolute. */
  crossP99Ms: 2,
  /** CPU per relayed message of both nodes and Redis, over one node's. */
  cpuPerMessageRatio: 2.5,
} as const;

/** Limits raised as the signaling bench raises them: every socket comes from 127.0.0.1, 10 000 to one node. */
export { RAISED_LIMITS } from '../signaling/params.js';

/** Sockets a node must be able to hold: the memory workload's, plus margin for Redis and the probes. */
export const OPEN_FILES_NEEDED = 2 * memory.rooms + 1_000;

/** A node or Redis that does not answer within this is broken, not slow (dist starts in well under a second). */
export const START_TIMEOUT_MS = 30_000;
/** Only a hang trips it: a memory round sets up 10 000 sockets, about 20 s on this machine. */
export const LOAD_TIMEOUT_MS = 300_000;
/** The signaling bench's: how busy other processes may be for a round to count, and the budgets of waiting and retrying. */
export { DISTURBED_CPU_PERCENT, MAX_RETRIES, QUIET_WAIT_BUDGET_MS, RETRIES_PER_ROUND } from '../signaling/params.js';
