/**
 * Renders docs/benchmarks-turn.md from one bench run: medians per relay and
 * scenario, ratios, the targets, where datagrams were dropped, every run.
 */
import { PAIRS, QUIET_CPU_PERCENT, QUIET_WAIT_BUDGET_MS, anchors, scenarios, targets, warmUp } from './params.js';
import { IDLE_WINDOW_MS, type Round } from './round.js';
import type { SocketOwner } from './sampler.js';
import { RELAY_PORTS, type ServerName } from './servers.js';
import { uclientFlags } from './uclient.js';

export interface ReportInput {
  date: string;
  machine: {
    cpu: string;
    nproc: string;
    node: string;
    coturn: string;
    revision: string;
    loadAtStart: string;
    loadAtEnd: string;
    quietWaitMs: number;
  };
  rounds: Round[];
  /** Each relay's CPU while idle, µs per second (see measureIdle). */
  idleMicrosPerSecond: Record<ServerName, number>;
  peakRssMb: Record<ServerName, number>;
  runtimeSeconds: number;
}

interface Summary {
  median: number;
  min: number;
  max: number;
}

/** Over the runs that have the value (a run may lack one, e.g. too few CPU ticks to split). */
function summarise(values: number[]): Summary {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  // Lower median for an even count: with 3 runs per relay this is the middle one.
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

const fixed = (digits: number) => (value: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const integer = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US').replace(/,/g, ' ') : '–');
const cell = (s: Summary, format: (value: number) => string) =>
  Number.isFinite(s.median) ? `${format(s.median)} (${format(s.min)}–${format(s.max)})` : '–';
const ratio = (ours: number, theirs: number) => (theirs > 0 && Number.isFinite(ours) ? (ours / theirs).toFixed(2) : '–');

interface Metric {
  label: string;
  value: (round: Round) => number;
  format: (value: number) => string;
}

/** The run's CPU less what the relay would have burnt idle for as long: the cost of the traffic itself. */
function busyMicrosPerEcho(r: Round, idle: Record<ServerName, number>): number {
  return (r.cpuMicros - idle[r.server] * (r.uclient.wallMs / 1000)) / r.uclient.received;
}

function metrics(idle: Record<ServerName, number>): Metric[] {
  return [
    { label: 'Echo msg/s while delivering', value: (r) => r.echoesPerSecond, format: integer },
    { label: 'Echo msg/s over uclient wall time', value: (r) => r.echoesPerWallSecond, format: integer },
    { label: 'Loss (%)', value: (r) => r.uclient.lossPercent, format: fixed(2) },
    { label: 'RTT average (ms)', value: (r) => r.uclient.rttAvgMs, format: fixed(1) },
    { label: 'RTT min (ms)', value: (r) => r.uclient.rttMinMs, format: integer },
    { label: 'RTT max (ms)', value: (r) => r.uclient.rttMaxMs, format: integer },
    { label: 'Relay CPU per echo (µs)', value: (r) => r.cpuMicrosPerEcho, format: fixed(1) },
    { label: '… of which user space (µs)', value: (r) => r.userMicros / r.uclient.received, format: fixed(1) },
    { label: '… idle CPU subtracted (µs)', value: (r) => busyMicrosPerEcho(r, idle), format: fixed(1) },
    { label: 'Echoes one core could carry at that cost (1 s ÷ idle-subtracted CPU per echo)', value: (r) => 1e6 / busyMicrosPerEcho(r, idle), format: integer },
    { label: 'Relay wake-ups per echo', value: (r) => r.wakeups / r.uclient.received, format: fixed(2) },
    { label: 'Other processes’ CPU during the run (% of a core)', value: (r) => r.otherCpuPercent, format: integer },
  ];
}

const of = (rounds: Round[], scenario: string, server: ServerName) => rounds.filter((r) => r.scenario === scenario && r.server === server);
const medianOf = (rounds: Round[], value: (r: Round) => number) => summarise(rounds.map(value)).median;

interface Verdict {
  scenario: string;
  target: string;
  coturn: string;
  ours: string;
  pass: boolean;
}

function verdicts(rounds: Round[]): Verdict[] {
  const list: Verdict[] = [];
  for (const { name } of scenarios) {
    const [theirs, ours] = [of(rounds, name, 'coturn'), of(rounds, name, 'ours')];
    const rate = { coturn: medianOf(theirs, (r) => r.echoesPerSecond), ours: medianOf(ours, (r) => r.echoesPerSecond) };
    const loss = { coturn: medianOf(theirs, (r) => r.uclient.lossPercent), ours: medianOf(ours, (r) => r.uclient.lossPercent) };
    const cpu = { coturn: medianOf(theirs, (r) => r.cpuMicrosPerEcho), ours: medianOf(ours, (r) => r.cpuMicrosPerEcho) };
    list.push({
      scenario: name,
      target: `echo rate ≥ ${targets.minRateRatio}× coturn’s, loss ≤ ${targets.maxLossRatio}× coturn’s`,
      coturn: `${integer(rate.coturn)} msg/s, ${fixed(2)(loss.coturn)} %`,
      ours: `${integer(rate.ours)} msg/s (${ratio(rate.ours, rate.coturn)}×), ${fixed(2)(loss.ours)} %`,
      pass: rate.ours >= targets.minRateRatio * rate.coturn && loss.ours <= targets.maxLossRatio * loss.coturn,
    });
    list.push({
      scenario: name,
      target: `CPU per echo ≤ ${targets.maxCpuRatio}× coturn’s`,
      coturn: `${fixed(1)(cpu.coturn)} µs`,
      ours: `${fixed(1)(cpu.ours)} µs (${ratio(cpu.ours, cpu.coturn)}×)`,
      pass: cpu.ours <= targets.maxCpuRatio * cpu.coturn,
    });
  }
  return list;
}

/** The tables a reader needs first; also printed on the console at the end of a run. */
export function summaryTable(input: ReportInput): string {
  const out: string[] = [];
  for (const { name, params } of scenarios) {
    const [theirs, ours] = [of(input.rounds, name, 'coturn'), of(input.rounds, name, 'ours')];
    out.push(`### ${name} (\`${uclientFlags(params).join(' ')}\`, ${theirs.length} runs per relay)`, '');
    out.push('| Metric | coturn | ours | ours / coturn |', '|---|---|---|---|');
    for (const metric of metrics(input.idleMicrosPerSecond)) {
      const [a, b] = [summarise(theirs.map(metric.value)), summarise(ours.map(metric.value))];
      out.push(`| ${metric.label} | ${cell(a, metric.format)} | ${cell(b, metric.format)} | ${ratio(b.median, a.median)} |`);
    }
    out.push('');
  }
  const idle = input.idleMicrosPerSecond;
  out.push(`Idle CPU (no traffic, ${IDLE_WINDOW_MS / 1000} s): coturn ${(idle.coturn / 1000).toFixed(1)} ms/s, ours ${(idle.ours / 1000).toFixed(1)} ms/s.`, '');
  const rss = input.peakRssMb;
  out.push(`Peak RSS (VmHWM over the whole bench, warm-up included): coturn ${rss.coturn.toFixed(1)} MB, ours ${rss.ours.toFixed(1)} MB (${ratio(rss.ours, rss.coturn)}×).`, '');
  out.push('| Scenario | Target | coturn | ours | Result |', '|---|---|---|---|---|');
  for (const v of verdicts(input.rounds)) out.push(`| ${v.scenario} | ${v.target} | ${v.coturn} | ${v.ours} | ${v.pass ? 'PASS' : 'MISS'} |`);
  return out.join('\n');
}

function dropsTable(rounds: Round[]): string[] {
  const owners: SocketOwner[] = ['relay listener', 'relayed sockets', 'peer', 'uclient'];
  const out = ['| Scenario | Relay | Sent | Lost (uclient) | ' + owners.map((o) => `Dropped at ${o}`).join(' | ') + ' |'];
  out.push(`|${'---|'.repeat(4 + owners.length)}`);
  for (const { name } of scenarios) {
    for (const server of ['coturn', 'ours'] as const) {
      const runs = of(rounds, name, server);
      const sum = (value: (r: Round) => number) => integer(runs.reduce((total, r) => total + value(r), 0));
      out.push(
        `| ${name} | ${server} | ${sum((r) => r.uclient.sent)} | ${sum((r) => r.uclient.lost)} | ` +
          owners.map((owner) => sum((r) => r.observed.drops[owner])).join(' | ') +
          ' |',
      );
    }
  }
  return out;
}

function everyRun(rounds: Round[]): string[] {
  const out = [
    '| # | Scenario | Relay | Sent | Received | Loss % | Delivering (ms) | Bursts | Echo msg/s | Wall (s) | RTT avg/min/max (ms) | Relay CPU (ms) | µs/echo | Other CPU % |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  rounds.forEach((r, index) => {
    const u = r.uclient;
    out.push(
      `| ${index + 1}${r.rerun ? ' (run again)' : ''} | ${r.scenario} | ${r.server} | ${u.sent} | ${u.received} | ${u.lossPercent.toFixed(2)} | ${r.observed.deliveringMs.toFixed(0)} | ${r.observed.bursts} | ` +
        `${integer(r.echoesPerSecond)} | ${(u.wallMs / 1000).toFixed(1)} | ${u.rttAvgMs.toFixed(1)}/${u.rttMinMs}/${u.rttMaxMs} | ${(r.cpuMicros / 1000).toFixed(0)} | ` +
        `${r.cpuMicrosPerEcho.toFixed(1)} | ${r.otherCpuPercent.toFixed(0)} |`,
    );
  });
  return out;
}

export function renderReport(input: ReportInput): string {
  const m = input.machine;
  const anchorLines = anchors.map(
    (a) => `| ${a.server} | ${integer(a.echoesPerSecond)} | ${a.lossPercent} | ${a.cpuMicrosPerEcho} |`,
  );
  return `# TURN relay benchmarks: our relay against coturn

Written by \`npx tsx bench/turn/run.ts\` (bench/turn/) on ${input.date}; rerun it rather than editing this file.
The whole run took ${input.runtimeSeconds.toFixed(0)} s.

## Machine

| | |
|---|---|
| CPU | ${m.cpu} |
| nproc | ${m.nproc} |
| Node | ${m.node} |
| coturn | ${m.coturn} (Debian's \`turnserver\`, \`turnutils_uclient\`, \`turnutils_peer\`) |
| Code measured | ${m.revision} |
| Load average (1, 5, 15 min) | ${m.loadAtStart} at the start, ${m.loadAtEnd} at the end |
| Waited for a quiet machine | ${(m.quietWaitMs / 1000).toFixed(1)} s in all |

The machine is shared: before each run the bench waits until other processes use at most
${QUIET_CPU_PERCENT} % of a core (at most ${QUIET_WAIT_BUDGET_MS / 1000} s per bench run), and every run records how much CPU
other processes took while it ran (“other CPU” below). Everything here (two relays, peer, uclient, this
orchestrator) shares the ${m.nproc} cores.

## Setup

- **Ours**: \`node <build>/turn/main.js\`, a child process: turn/ compiled by tsc with the project’s tsconfig, as
  \`npm run turn\` runs it (earlier reports ran \`node --import tsx turn/main.ts\`, whose transform wraps every
  closure it creates in an \`Object.defineProperty\` call to keep its name, a cost production never pays), with TURN_LISTEN_HOST=127.0.0.1, TURN_PORT a free
  port, TURN_RELAY_ADDRESS=127.0.0.2, TURN_ALLOWED_PEERS=127.0.0.1/32, TURN_METRICS_PORT=0,
  TURN_MIN_PORT–TURN_MAX_PORT ${RELAY_PORTS.ours.min}–${RELAY_PORTS.ours.max}, TURN_MAX_ALLOCATIONS_PER_USER=1000,
  TURN_BANDWIDTH_BYTES_PER_SECOND=125000000 (never throttles here), LOG_LEVEL=warn. One thread of JavaScript.
- **coturn**: \`turnserver -c <copy of infra/coturn/turnserver.conf + allow-loopback-peers, allowed-peer-ip=127.0.0.1>\`
  with \`--static-auth-secret\`, \`--listening-port\` a free port, \`--listening-ip=127.0.0.1 --relay-ip=127.0.0.1\`,
  \`--min-port/--max-port ${RELAY_PORTS.coturn.min}–${RELAY_PORTS.coturn.max}\`, a temporary \`--userdb\` and \`--pidfile\`,
  \`--no-dtls --no-tls --max-bps=0 --user-quota=0 --total-quota=0\` (the shipped file caps each allocation at
  1.25 MB/s and each user at 10 allocations). coturn runs one relay thread per core (2 here).
- **Clients**: \`turnutils_uclient\` with REST credentials (\`-W <secret> -u <user per run>\`), through one
  \`turnutils_peer\` (an echo server) on 127.0.0.1, \`-e 127.0.0.1 -r <peer port>\`. \`-c\`: one allocation and
  channel per client, so \`-m\` counts allocations. Each uclient client also makes a probe allocation it never
  releases, so every run leaves allocations behind; each run therefore gets a loopback address of its own
  (\`-L 127.100.x.y\`) so that no later socket meets one (437). Within a run it still can, rarely (a client’s
  socket getting the port of an earlier client’s probe); such a run fails in uclient, is run once more, and is
  marked “run again” below.
- Each relay is started once and warmed up with one untimed run (\`${uclientFlags(warmUp).join(' ')}\`, stopped once
  everything is sent), so what is measured is a relay in steady state (V8 has compiled our hot path), not a
  cold process. Then ${PAIRS} pairs of runs per scenario, the order within a pair alternating (coturn first, ours first, …).

## What is measured

- **Echo msg/s while delivering**: messages uclient received back ÷ the time the relay was delivering
  them. At \`-z 0\` uclient sends each client’s messages as fast as its 1-ms timer lets it (up to 50 a tick),
  starts each client 1–6 s after allocating (at random), and after any loss waits 10 s before exiting, so its
  wall time is mostly its own schedule. The delivering time is read from outside, the same for both relays:
  the peer is sampled every 2 ms (\`/proc/<peer>/schedstat\`); a sample in which it ran for more than 100 µs
  (its own idle timer costs it 20–70 µs every 100 ms) is busy, and busy samples less than 20 ms apart form
  one burst; the delivering time is the bursts’ summed length. With one client this is the one burst’s length.
- **Echo msg/s over uclient wall time**: the same messages ÷ the uclient process’s whole run; shown because
  it is the plain definition, but it is dominated by uclient’s schedule (random start, 10 s linger after any loss).
- **Loss**: uclient’s “Total lost packets N (x %)”.
- **RTT**: uclient’s “Average round trip delay”, min and max. uclient stamps messages with a millisecond clock
  and prints only these three, so no p50/p99 is available (and below 1 ms it reads 0).
- **Relay CPU per echo**: the relay process’s CPU, all threads, over the uclient run ÷ echoes received back.
  The CPU is the sum of \`/proc/<pid>/task/*/schedstat\` (nanoseconds), the same user+system time
  \`/proc/<pid>/stat\` counts but without its 10 ms ticks, which are coarse next to a relay’s tens of ms per run. Each echo crosses the relay twice (client → peer,
  peer → client); allocating and releasing the run’s allocations is included, and so is whatever the relay
  burns while uclient waits (up to 6 s before sending, 10 s after). Hence two more rows: the user-space share
  (the relay’s own code; the rest is the kernel’s UDP work on its behalf; split by the ratio of
  \`/proc/<pid>/stat\`’s user and system ticks, left out (–) for a run with fewer than 10 ticks), and the CPU per echo with the relay’s
  idle CPU (measured for ${IDLE_WINDOW_MS / 1000} s with no traffic, after the warm-up) × the run’s wall time subtracted.
- **Relay wake-ups per echo**: voluntary context switches of all the relay’s threads (\`/proc/<pid>/task/*/status\`)
  ÷ echoes: about how often it went back to waiting for packets, so the inverse of how many packets a wake-up handled.
- **Peak RSS**: \`VmHWM\` of the relay process at the end of the bench.
- **Where datagrams were dropped**: the kernel’s per-socket drop counters (\`/proc/net/udp\`, a full receive
  buffer), sampled every 200 ms while the run’s sockets exist and attributed by port and by uclient’s file
  descriptors.

## Reading the numbers

- uclient cannot outrun a relay that keeps up: at \`-z 0\` a client sends 50 messages per tick of its 1-ms
  timer, and the tick comes as often as the machine lets it. When a relay loses nothing and its RTT reads
  0 ms, its echo rate is uclient’s pace, not the relay’s limit; the rate row then says whether the other relay
  keeps that pace. How fast each relay could go is better read from its CPU per echo, and from the row
  “echoes one core could carry”.
- A relay that falls behind a burst shows it three ways: its RTT grows (datagrams wait in its receive
  buffer), its listener socket drops datagrams once that buffer is full (the drops table below), and uclient
  reports them lost.
- coturn spreads its work over one relay thread per core; our relay does it on one JavaScript thread.

## Results (median, min–max in brackets)

${summaryTable(input)}

## Where datagrams were dropped (summed over the runs)

${dropsTable(input.rounds).join('\n')}

## Every run

${everyRun(input.rounds).join('\n')}

## Earlier anchors (an earlier measurement, not this run)

Context only, from an earlier measurement with 20 clients whose exact method is not this bench’s:

| Relay | Echo msg/s | Loss % | CPU µs per echo |
|---|---|---|---|
${anchorLines.join('\n')}
`;
}
