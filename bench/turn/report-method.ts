/**
 * The prose of docs/benchmarks-turn.md: how the relays are set up, what each
 * number means, how to read them. Beside the tables (report.ts) so that a
 * change of method and its description are made in one place.
 */
import { IDLE_WINDOW_MS } from './round.js';
import { RELAY_PORTS } from './servers.js';
import { uclientFlags } from './uclient.js';
import { warmUp } from './params.js';

/** `pairs`: how many pairs of runs per scenario ran. */
export function methodSections(pairs: number): string {
  return `## Setup

- **Ours**: \`node <build>/turn/main.js\`, a child process: turn/ compiled by tsc with the project’s tsconfig, as
  \`npm run turn\` runs it (earlier reports ran \`node --import tsx turn/main.ts\`, whose transform wraps every
  closure it creates in an \`Object.defineProperty\` call to keep its name, a cost production never pays),
  with TURN_LISTEN_HOST=127.0.0.1, TURN_PORT a free port, TURN_RELAY_ADDRESS=127.0.0.2,
  TURN_ALLOWED_PEERS=127.0.0.1/32, TURN_METRICS_PORT=0,
  TURN_MIN_PORT–TURN_MAX_PORT ${RELAY_PORTS.ours.min}–${RELAY_PORTS.ours.max}, TURN_MAX_ALLOCATIONS_PER_USER=1000,
  TURN_BANDWIDTH_BYTES_PER_SECOND=125000000 (never throttles here), LOG_LEVEL=warn. One thread of JavaScript.
- **coturn**: \`turnserver -c <copy of infra/coturn/turnserver.conf + allow-loopback-peers, allowed-peer-ip=127.0.0.1>\`
  with \`--static-auth-secret\`, \`--listening-port\` a free port, \`--listening-ip=127.0.0.1 --relay-ip=127.0.0.1\`,
  \`--min-port/--max-port ${RELAY_PORTS.coturn.min}–${RELAY_PORTS.coturn.max}\`, a temporary \`--userdb\` and
  \`--pidfile\`,
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
  cold process. Then ${pairs} pairs of runs per scenario, the order within a pair alternating (coturn first,
  ours first, …); every ratio is to coturn measured in the same run.

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
  \`/proc/<pid>/stat\` counts but without its 10 ms ticks, which are coarse next to a relay’s tens of ms per run.
  Each echo crosses the relay twice (client → peer, peer → client); allocating and releasing the run’s allocations
  is included, and so is whatever the relay
  burns while uclient waits (up to 6 s before sending, 10 s after). Hence two more rows: the user-space share
  (the relay’s own code; the rest is the kernel’s UDP work on its behalf; split by the ratio of
  \`/proc/<pid>/stat\`’s user and system ticks, left out (–) for a run with fewer than 10 ticks), and the CPU
  per echo with the relay’s idle CPU (measured for ${IDLE_WINDOW_MS / 1000} s with no traffic, after the warm-up) ×
  the run’s wall time subtracted.
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
- coturn spreads its work over one relay thread per core; our relay does it on one JavaScript thread.`;
}
