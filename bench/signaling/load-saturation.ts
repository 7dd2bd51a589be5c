/**
 * Child process: closed-loop saturation. Both members of every room start one
 * signal and answer each one they receive with the next, so each client always
 * has exactly one message in flight and the relay runs as fast as it can.
 */
import { Tally, isSignal, openRooms, sleep } from './clients.js';
import { mark, portArgument, reportResult, type SaturationResult } from './ipc.js';
import { saturation } from './params.js';

const tally = new Tally();
const clients = await openRooms(portArgument(), saturation.rooms, tally);
let running = true;

for (const client of clients) {
  client.socket.on('message', (data: Buffer) => {
    const text = data.toString();
    if (!isSignal(text)) return tally.surprise(text);
    tally.received += 1;
    if (!running) return;
    client.send(performance.now());
    tally.sent += 1;
  });
}
for (const client of clients) {
  client.send(performance.now());
  tally.sent += 1;
}

await sleep(saturation.warmupMs);
// Counted as the mark leaves; the parent samples the server a fraction of a millisecond later at both ends.
const atStart = tally.received;
await mark('start');
await sleep(saturation.measureMs);
const atEnd = tally.received;
await mark('end');
running = false;
await tally.drain();

const result: SaturationResult = {
  sent: tally.sent,
  received: tally.received,
  unexpected: tally.unexpected(),
  windowMessages: atEnd - atStart,
};
reportResult(result);
