/**
 * Child process: an attacker beside a flood round, from 127.0.0.1, until the
 * parent says stop (and in any case for at most flood.maxMs and
 * flood.maxAttempts). `oversized`: flood.sockets sockets each keep two frames
 * of flood.frameBytes queued, each refused by the server as too-large.
 * `reconnect`: flood.reconnectLoops loops open a socket, send one such frame
 * and drop it, to start again with fresh per-socket budgets. `none` does
 * nothing: the reference round.
 */
import WebSocket from 'ws';
import { portArgument, reportFloodStopped, reportFlooding, stopRequested, type FloodOutcome } from './ipc.js';
import { flood, type FloodScenario } from './params.js';
import { sleep } from './clients.js';

const url = `ws://127.0.0.1:${portArgument()}/ws`;
const scenario = process.argv[3] as FloodScenario;
const frame = 'x'.repeat(flood.frameBytes);
const outcome: FloodOutcome = { scenario, upgrades: 0, refusedUpgrades: 0, framesSent: 0, framesRead: 0 };
const deadline = performance.now() + flood.maxMs;
let stopping = false;
const open = new Set<WebSocket>();

const going = (): boolean =>
  !stopping && performance.now() < deadline && outcome.upgrades + outcome.refusedUpgrades < flood.maxAttempts;

/** A socket, or undefined when the server refused the upgrade. */
function connect(): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('error', () => {
      outcome.refusedUpgrades += 1;
      resolve(undefined);
    });
    socket.on('message', (data: Buffer) => {
      if (data.includes('"too-large"')) outcome.framesRead += 1;
    });
    socket.on('open', () => {
      outcome.upgrades += 1;
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      resolve(socket);
    });
  });
}

function send(socket: WebSocket): void {
  socket.send(frame);
  outcome.framesSent += 1;
}

async function oversized(): Promise<void> {
  const sockets = (await Promise.all(Array.from({ length: flood.sockets }, connect))).filter((s) => s !== undefined);
  reportFlooding();
  // Two frames queued per socket bound this process's memory; the server decides how fast they drain.
  while (going()) {
    for (const socket of sockets) {
      while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount < 2 * frame.length) send(socket);
    }
    await sleep(5);
  }
}

async function reconnect(): Promise<void> {
  reportFlooding();
  const loop = async (): Promise<void> => {
    while (going()) {
      const socket = await connect();
      if (socket === undefined) continue;
      send(socket);
      socket.terminate();
    }
  };
  await Promise.all(Array.from({ length: flood.reconnectLoops }, loop));
}

const stopped = stopRequested().then(() => {
  stopping = true;
});
if (scenario === 'oversized') await oversized();
else if (scenario === 'reconnect') await reconnect();
else reportFlooding();
await stopped;
for (const socket of open) socket.terminate();
reportFloodStopped(outcome);
