/**
 * Child process: open-loop latency across the peers of every room, as the
 * signaling bench's load-latency.ts measures it: candidates leave on a fixed
 * schedule whatever the replies do, and latency is receive time minus the
 * send time carried in the frame, both from this process's clock. Arguments:
 * the port of every room's first peer, then of its second.
 */
import { Tally } from '../signaling/clients.js';
import { mark, reportResult, type LatencyResult } from '../signaling/ipc.js';
import { percentileOfSorted } from '../lib/stats.js';
import { openRooms, portsArgument, sentAt } from './clients.js';
import { latency } from './params.js';

const tally = new Tally();
const clients = await openRooms(portsArgument(), latency.rooms, tally);

const total = Math.round((latency.ratePerSecond * (latency.warmupMs + latency.measureMs)) / 1000);
const start = performance.now();
const windowStart = start + latency.warmupMs;
const windowEnd = windowStart + latency.measureMs;
const samples: number[] = [];
let windowSent = 0;
let windowStarted: Promise<void> | undefined;

for (const client of clients) {
  client.socket.on('message', (data: Buffer) => {
    const now = performance.now();
    const text = data.toString();
    const at = sentAt(text);
    if (at === undefined) return tally.surprise(text);
    tally.received += 1;
    if (at >= windowStart && at < windowEnd) samples.push(now - at);
  });
}

await new Promise<void>((resolve) => {
  // Every tick sends whatever the schedule says is due by now, round-robin over the
  // clients, so timer jitter delays a message by at most a tick and never drops it.
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * latency.ratePerSecond) / 1000));
    // Not awaited: the schedule must not wait on the parent. The window ends with the schedule.
    if (windowStarted === undefined && performance.now() >= windowStart) windowStarted = mark('start');
    while (tally.sent < due) {
      const now = performance.now();
      clients[tally.sent % clients.length]?.send(now);
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
  achievedRate: (windowSent * 1000) / latency.measureMs,
};
reportResult(result);
