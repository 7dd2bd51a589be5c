/**
 * One turnutils_uclient run (coturn's load client) against a relay, through
 * turnutils_peer, and what it printed at the end.
 */
import { existsSync } from 'node:fs';
import { output, start } from '../lib/children.js';

export const UCLIENT = '/usr/bin/turnutils_uclient';
export const PEER = '/usr/bin/turnutils_peer';

/**
 * Far above a run's ~20 s (sending starts 1–6 s after allocating, and after
 * any loss uclient waits 10 s for stragglers), so only a hang trips it.
 */
const RUN_TIMEOUT_MS = 60_000;

export interface UclientParams {
  clients: number;
  messages: number;
  bytes: number;
  intervalMs: number;
}

export interface UclientResult {
  sent: number;
  received: number;
  lost: number;
  lossPercent: number;
  rttAvgMs: number;
  rttMinMs: number;
  rttMaxMs: number;
  wallMs: number;
}

export function requireTools(): void {
  for (const tool of [UCLIENT, PEER]) {
    if (!existsSync(tool))
      throw new Error(`${tool} is missing: install Debian's coturn package (apt-get install coturn)`);
  }
}

/** The flags of a run, without the per-run user and addresses: printed in the report as they ran. */
export function uclientFlags(p: UclientParams): string[] {
  // -c: one allocation and channel per client (no RTCP twin), so -m counts allocations.
  return ['-c', '-m', String(p.clients), '-n', String(p.messages), '-l', String(p.bytes), '-z', String(p.intervalMs)];
}

/**
 * Who a run is. Each uclient client first makes a probe allocation it never
 * releases, so every run leaves allocations behind on the relay (until their
 * lifetime ends); a later socket that happened to get the same local port
 * would meet one (437). A loopback address of its own per run keeps runs'
 * 5-tuples apart, and a user of its own keeps quotas apart.
 */
export interface Identity {
  user: string;
  localAddress: string;
}

function argsFor(
  params: UclientParams,
  server: { port: number },
  peerPort: number,
  secret: string,
  who: Identity,
): string[] {
  return [
    ...uclientFlags(params),
    '-L',
    who.localAddress,
    '-p',
    String(server.port),
    '-W',
    secret,
    '-u',
    who.user,
    '-e',
    '127.0.0.1',
    '-r',
    String(peerPort),
    '127.0.0.1',
  ];
}

export class UclientFailure extends Error {
  /** The relay answered 437 somewhere in the run: a socket met a leftover allocation of this run's own probes. */
  readonly collided: boolean;

  constructor(message: string, output: string) {
    super(`${message}:\n${output.slice(-2000)}`);
    this.name = 'UclientFailure';
    this.collided = /error 437/.test(output);
  }
}

export async function runUclient(
  params: UclientParams,
  server: { port: number },
  peerPort: number,
  secret: string,
  who: Identity,
  onStart: (pid: number) => void,
): Promise<UclientResult> {
  const args = argsFor(params, server, peerPort, secret, who);
  const began = performance.now();
  const child = start('turnutils_uclient', UCLIENT, args);
  onStart(child.pid);
  const timer = setTimeout(() => void child.stop(0), RUN_TIMEOUT_MS);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  const wallMs = performance.now() - began;
  const text = output(child);
  const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(text);
  const loss = /Total lost packets (\d+) \(([\d.]+)%\)/.exec(text);
  const rtt = /Average round trip delay ([\d.]+) ms; min = (\d+) ms, max = (\d+) ms/.exec(text);
  if (code !== 0 || totals === null || loss === null || rtt === null) {
    throw new UclientFailure(`turnutils_uclient ${args.join(' ')} failed (exit ${code ?? signal})`, text);
  }
  const sent = Number(totals[1]);
  const received = Number(totals[2]);
  if (sent === 0) throw new UclientFailure('turnutils_uclient sent nothing (could it allocate?)', text);
  return {
    sent,
    received,
    lost: Number(loss[1]),
    lossPercent: Number(loss[2]),
    rttAvgMs: Number(rtt[1]),
    rttMinMs: Number(rtt[2]),
    rttMaxMs: Number(rtt[3]),
    wallMs,
  };
}

/** uclient has begun sending 1–6 s after allocating; a warm-up gives up past this. */
const WARM_UP_TIMEOUT_MS = 20_000;
/** After the last send, time for the relay to drain what it queued. */
const WARM_UP_DRAIN_MS = 1_000;

/**
 * A run whose numbers are thrown away: it brings a fresh relay to steady
 * state (V8's optimising compiler, coturn's buffers) before measuring. It is
 * stopped once every message is sent and drained, rather than sitting out
 * uclient's 10 s linger; its allocations are left to expire.
 */
export async function warmUp(
  params: UclientParams,
  server: { port: number },
  peerPort: number,
  secret: string,
  who: Identity,
): Promise<void> {
  const child = start('turnutils_uclient (warm-up)', UCLIENT, argsFor(params, server, peerPort, secret, who));
  const total = params.clients * params.messages;
  const deadline = performance.now() + WARM_UP_TIMEOUT_MS;
  try {
    while (child.running() && performance.now() < deadline) {
      const sentAll = child.lines.some((line) => new RegExp(`tot_send_msgs=${total}\\b`).test(line.text));
      if (sentAll) {
        await new Promise((resolve) => setTimeout(resolve, WARM_UP_DRAIN_MS));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (child.running())
      throw new Error(
        `warm-up did not send its ${total} messages within ${WARM_UP_TIMEOUT_MS} ms:\n${output(child).slice(-2000)}`,
      );
    const { code } = await child.exited;
    if (code !== 0) throw new Error(`warm-up uclient failed (exit ${code}):\n${output(child).slice(-2000)}`);
  } finally {
    await child.stop(1_000);
  }
}
