/** What bench/turn runs, in one place, so the report prints exactly what ran. */
import type { UclientParams } from './uclient.js';

export interface Scenario {
  name: string;
  params: UclientParams;
}

/**
 * -z 0 is uclient's fastest: no interval, so each client sends up to 50
 * messages per 1-ms timer tick until its -n are gone. 120-byte messages are
 * about an audio packet. A lone client gets 2000 so that its one burst lasts
 * long enough (tens of ms) to time at the sampler's 2 ms. 20 clients go
 * first: V8 goes on optimising our relay for a while after the warm-up, and
 * the bigger scenario absorbs that better than 2000 echoes would.
 */
export const scenarios: Scenario[] = [
  { name: '20 clients', params: { clients: 20, messages: 500, bytes: 120, intervalMs: 0 } },
  { name: '1 client', params: { clients: 1, messages: 2000, bytes: 120, intervalMs: 0 } },
];

/** The untimed run each fresh relay gets first. */
export const warmUp: UclientParams = { clients: 20, messages: 500, bytes: 120, intervalMs: 0 };

/** Pairs per scenario; the order within a pair alternates (coturn first, then ours first, …) so drift hits both. */
export const PAIRS = 3;

export const SECRET = 'bench-turn-secret-0123456789abcdef';

/**
 * Before each run the bench waits until other processes use at most this
 * much of a core, QUIET_WAIT_BUDGET_MS in all per bench run, which bounds the
 * run time; what other processes took during each run is reported.
 */
export const QUIET_CPU_PERCENT = 80;
export const QUIET_WAIT_BUDGET_MS = 30_000;

export const targets = {
  /** Our echo rate at least this fraction of coturn's… */
  minRateRatio: 0.8,
  /** …with at most this multiple of coturn's loss. */
  maxLossRatio: 2,
  /** Our CPU per echo at most this multiple of coturn's. */
  maxCpuRatio: 2,
};

/** From an earlier measurement (20 clients), not this run: context only. */
export const anchors = [
  { server: 'coturn', echoesPerSecond: 7584, lossPercent: 2, cpuMicrosPerEcho: 26 },
  { server: 'node-turn', echoesPerSecond: 4515, lossPercent: 31, cpuMicrosPerEcho: 109 },
];
