/**
 * Every workload parameter in one place, so the report prints exactly what ran.
 */

/** Sockets opened at once while setting up rooms: enough to be quick, few enough that none time out. */
export const CONNECT_BATCH = 200;

/** A step of setup (connect, welcome) slower than this is a failure, not a slow result. */
export const SETUP_TIMEOUT_MS = 15_000;

/** How long in-flight messages get to arrive after sending stops before they count as lost. */
export const DRAIN_TIMEOUT_MS = 5_000;

/**
 * The machine is shared. Before each round the bench waits for other processes
 * to use at most DISTURBED_CPU_PERCENT of a core (QUIET_WAIT_BUDGET_MS in all
 * per run), and a round whose measured window saw more is run again (at most
 * RETRIES_PER_ROUND times, MAX_RETRIES per run). The budgets bound the run time.
 */
export const DISTURBED_CPU_PERCENT = 10;
export const QUIET_WAIT_BUDGET_MS = 30_000;
export const RETRIES_PER_ROUND = 2;
export const MAX_RETRIES = 4;

/** One in OFFER_EVERY messages is a ~1 KB offer, the rest ~200 B candidates (20% / 80%). */
export const OFFER_EVERY = 5;
export const OFFER_BYTES = 1024;
export const CANDIDATE_BYTES = 200;

/*
 * `rounds` is per server; the servers alternate (B, O, B, O, ...) so drift hits
 * both. Five rounds let the median shrug off two disturbed by other processes.
 */

export const latency = {
  rounds: 5,
  rooms: 200,
  /** Relayed messages per second across all clients, sent on a schedule regardless of replies. */
  ratePerSecond: 800,
  warmupMs: 2_000,
  measureMs: 8_000,
} as const;

export const saturation = {
  rounds: 5,
  rooms: 100,
  warmupMs: 2_000,
  measureMs: 6_000,
} as const;

/** Memory is steady from round to round, so three suffice. */
export const memory = {
  rounds: 3,
  rooms: 2_500,
  /** How long the server idles between its two forced GCs before RSS is read. */
  settleMs: 500,
} as const;

/**
 * Floods against our server with its default limits (issue 11, finding 8),
 * from 127.0.0.1, while a probe of rooms from 127.0.0.2 measures latency as
 * the latency workload does, at a rate the defaults allow. `none` is the
 * reference measured in the same run. Every flood stops at the end of the
 * round, and in any case after FLOOD_MAX_MS or its attempt cap.
 */
export const flood = {
  rounds: 3,
  scenarios: ['none', 'oversized', 'reconnect'] as const,
  probe: { rooms: 10, ratePerSecond: 100, warmupMs: 1_000, measureMs: 5_000, localAddress: '127.0.0.2' },
  /** Sockets of the oversized flood: the default MAX_CONNECTIONS_PER_IP. */
  sockets: 64,
  /** Frames just under the hard limit (4 × the default MAX_FRAME_BYTES), so each is refused as too-large. */
  frameBytes: 4 * 64 * 1024 - 1024,
  /** Parallel loops of the reconnecting flood: open, send a frame, drop the socket, again. */
  reconnectLoops: 16,
  maxAttempts: 20_000,
  maxMs: 30_000,
  /** The bound of issue 11: an unrelated room's p99 under any flood. */
  p99LimitMs: 100,
} as const;

export type FloodScenario = (typeof flood.scenarios)[number];

/** Targets: ours relative to the bare baseline measured in the same run. */
export const targets = {
  p99Ratio: 1.2,
  cpuPerMessageRatio: 1.25,
  extraKbPerConnection: 4,
} as const;

/** From an earlier measurement on this machine, printed for context only. */
export const anchors = [
  { name: 'bare ws relay', usPerMessage: '31', kbPerConnection: '9.2', p99: '—' },
  { name: 'PeerJS server', usPerMessage: '35', kbPerConnection: '10.0', p99: '—' },
  { name: 'Flask-SocketIO tutorial server', usPerMessage: '457', kbPerConnection: '57.7', p99: '111 ms at 800 msg/s' },
] as const;

/**
 * The server's limits raised so the bench measures the relay path, not the guards tripping
 * (server-under-test.ts; the cluster bench's nodes too).
 */
export const RAISED_LIMITS: Record<string, string> = {
  ROOM_CAPACITY: '2',
  MAX_CONNECTIONS: '20000',
  // Every bench socket comes from 127.0.0.1, so the per-address limits must admit them all.
  MAX_CONNECTIONS_PER_IP: '20000',
  UPGRADES_PER_MINUTE_PER_IP: '1000000',
  MAX_PENDING_REQUESTS_PER_IP: '20000',
  // Long enough never to fire during a round, so no timer work lands in a measured window.
  JOIN_TIMEOUT_MS: '600000',
  HEARTBEAT_INTERVAL_MS: '600000',
  // The limiters still run on every frame and every byte; they are set high so a closed loop is never throttled.
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_PER_SECOND_PER_IP: '1000000',
  RATE_LIMIT_BURST_PER_IP: '1000000',
  RATE_LIMIT_BYTES_PER_SECOND: String(1024 ** 3),
  RATE_LIMIT_BYTES_BURST: String(1024 ** 3),
  RATE_LIMIT_BYTES_PER_SECOND_PER_IP: String(1024 ** 3),
  RATE_LIMIT_BYTES_BURST_PER_IP: String(1024 ** 3),
};
