/**
 * Child process: open-loop latency. Signals leave on a fixed schedule whatever
 * the replies do, so a slow server shows up as latency rather than as a lower
 * send rate. Latency is one-way: receive time minus the send time embedded in
 * the frame, both from this process's clock. With the argument `probe`, it
 * runs the flood rounds' probe (flood.probe in params.ts) instead of the
 * latency workload.
 */
import { Tally, isSignal, openRooms, readStamp } from './clients.js';
import { mark, portArgument, reportResult, type LatencyResult } from './ipc.js';
import { flood, latency } from './params.js';
import { percentileOfSorted } from '../lib/stats.js';

const workload: { rooms: number; ratePerSecond: number; warmupMs: number; measureMs: number; localAddress?: string } =
  process.argv[3] === 'probe' ? flood.probe : latency;

const tally = new Tally();
const clients = await openRooms(portArgument(), workload.rooms, tally, workload);

const total = Math.round((workload.ratePerSecond * (workload.warmupMs + workload.measureMs)) / 1000);
const start = performance.now();
const windowStart = start + workload.warmupMs;
const windowEnd = windowStart + workload.measureMs;
const samples: number[] = [];
let windowSent = 0;
let windowStarted: Promise<void> | undefined;

for (const client of clients) {
  client.socket.on('message', (data: Buffer) => {
    const now = performance.now();
    const text = data.toString();
    if (!isSignal(text)) return tally.surprise(text);
    tally.received += 1;
    const sentAt = readStamp(text);
    if (sentAt >= windowStart && sentAt < windowEnd) samples.push(now - sentAt);
  });
}

await new Promise<void>((resolve) => {
  // Every tick sends whatever the schedule says is due by now, round-robin over the
  // clients, so timer jitter delays a message by at most a tick and never drops it.
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * workload.ratePerSecond) / 1000));
    // Not awaited: the schedule must not wait on the parent. The window ends with the schedule.
    if (windowStarted === undefined && performance.now() >= windowStart) windowStarted = mark('start');
    while (tally.sent < due) {
      const now = performance.now();
      clients[tally.sent % clients.length]!.send(now);
      tally.sent += 1;
      if (now >= windowStart && now < windowEnd) windowSent += 1;
    }
    if (tally.sent >= total) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
await windowStarted;
await mark('end');
await tally.drain();

const sorted = Float64Array.from(samples).sort();
const result: LatencyResult = {
  sent: tally.sent,
  received: tally.received,
  unexpected: tally.unexpected(),
  samples: sorted.length,
  p50Ms: percentileOfSorted(sorted, 0.5),
  p99Ms: percentileOfSorted(sorted, 0.99),
  maxMs: percentileOfSorted(sorted, 1),
  achievedRate: (windowSent * 1000) / workload.measureMs,
};
reportResult(result);
