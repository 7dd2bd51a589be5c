/**
 * The prose of docs/benchmarks.md: how to run the benches, the servers, the
 * workloads. Beside the tables (report.ts) so that a change of method and its
 * description are made in one place.
 */
import { frameBytes } from './clients.js';
import { CANDIDATE_BYTES, CONNECT_BATCH, OFFER_BYTES, OFFER_EVERY, latency, memory, saturation } from './params.js';
import type { ReportInput } from './report.js';

/** How to run the benches: said once, here, since this report is the one the others link back to. */
export const RUNNING = [
  '## Running the benches',
  '',
  '- `npm run bench` runs all three benches (signaling, TURN, web) and rewrites the three reports in docs/;',
  '  `npm run bench -- signaling` (or `turn`, `web`, or several) runs only those.',
  '- `BENCH_ROUNDS=1 BENCH_OUTPUT_DIR=/tmp npm run bench -- turn` is a smoke run: one round per variant',
  '  (`BENCH_ROUNDS=n`: n in place of each workload’s own count, which the report then prints), the report',
  '  written to /tmp instead of over the committed one. Its numbers are not worth committing.',
  '- Every comparison alternates the reference (bare relay, coturn, no flood) and the subject in the same',
  '  run, and every ratio is to the reference of that run. Medians, p90 and p99 are defined once in',
  '  bench/lib/stats.ts: linear interpolation between the nearest ranks, so the median of an even count is',
  '  the mean of the two middle values.',
  '- A run leaves no process behind: every child is recorded by PID and killed on any exit or Ctrl-C.',
];

/** Rounds as run: `counts` may have been lowered by BENCH_ROUNDS. */
export function methodLines(counts: ReportInput['counts']): string[] {
  const frames = frameBytes();
  return [
    'Each server runs in its own child process and each load generator in another, so on two cores the',
    'server and the generator get one core each while the orchestrator waits. Other processes on the',
    'machine are not under the bench’s control: each round records how much CPU they took (“other”).',
    'Children run TypeScript through `--import tsx`, whose loader thread is part of every absolute RSS',
    'below; only differences are compared. A server can show slightly over 100% of a core because V8',
    'collects garbage partly on helper threads.',
    '',
    '## Servers',
    '',
    '- **Ours**: `buildApp(loadConfig(…))` from server/app.ts with full validation; LOG_LEVEL=warn,',
    '  ROOM_CAPACITY=2, MAX_CONNECTIONS=MAX_CONNECTIONS_PER_IP=20000 (every bench socket comes from 127.0.0.1),',
    '  JOIN_TIMEOUT_MS=HEARTBEAT_INTERVAL_MS=600000 (neither fires during a round), and the rate limiter on',
    '  at RATE_LIMIT_PER_SECOND=RATE_LIMIT_BURST=1000000 (it runs on every frame but never throttles).',
    '- **Baseline**: bench/signaling/baseline-relay.ts, a bare `ws` relay: rooms in a Map, `JSON.parse` per frame, a',
    '  small `welcome` and `peer-joined` so clients learn ids as they do with ours, signals forwarded as the',
    '  raw text received; no validation, rate limit, logging or metrics.',
    '- Both listen on 127.0.0.1 with `perMessageDeflate` off, in a fresh process per round, run with `--expose-gc`.',
    '',
    '## Workloads',
    '',
    'Rounds alternate baseline and ours; every ratio is to the baseline of the same run. Signals are',
    `${OFFER_EVERY - 1} in ${OFFER_EVERY} ICE candidates (a ${CANDIDATE_BYTES}-character \`candidate\` string, ` +
      `${frames.candidate}-byte frame) and`,
    `1 in ${OFFER_EVERY} offers (a ${OFFER_BYTES}-character \`sdp\`, ${frames.offer}-byte frame), ` +
      'with the send time (`performance.now()`) at the',
    'end of that string, since the schema allows no extra field. Rooms are set up',
    `${CONNECT_BATCH} sockets at a time; each client learns its peer's id from \`welcome\` / \`peer-joined\`.`,
    '',
    `1. **Latency** (open loop, ${counts.latency} rounds per server): ${latency.rooms} rooms × 2 clients,`,
    `   ${latency.ratePerSecond} signals/s in total on a 1 ms timer schedule, round-robin over the clients;`,
    `   ${latency.warmupMs / 1000} s warm-up, then ${latency.measureMs / 1000} s measured. ` +
      'One-way latency = receive time − embedded send',
    '   time, both from the generator process’s clock. p50 and p99 interpolate between ranks ' +
      '(bench/lib/stats.ts).',
    `2. **Saturation** (closed loop, ${counts.saturation} rounds per server): ` +
      `${saturation.rooms} rooms × 2 clients, each client with`,
    '   exactly one signal in flight (every signal received is answered with the next);',
    `   ${saturation.warmupMs / 1000} s warm-up, then ${saturation.measureMs / 1000} s measured. ` +
      'CPU per message = the server process’s',
    '   user+system CPU over the window ÷ signals delivered in it. Each send also wakes the generator',
    '   when it is waiting, and that kernel work is charged to the server, so the kernel share depends',
    '   partly on how busy the generator is; the user-space share is the server’s own.',
    `3. **Memory** (${counts.memory} rounds per server): ${memory.rooms} rooms × 2 = ${memory.rooms * 2} ` +
      'joined connections. Server RSS',
    `   after GC, ${memory.settleMs} ms idle and GC again, read before connecting and once all have joined;`,
    '   growth ÷ connections.',
    '',
  ];
}
