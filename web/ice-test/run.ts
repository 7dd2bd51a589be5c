/**
 * A whole ICE test: one gathering run per URL (all at once, each on its own
 * connection), then a relay loopback for every TURN URL that gave a relay
 * candidate (one after another, so round trips are not disturbed), and the
 * report that the page shows and offers as JSON. Passwords never enter it.
 */
import { parseIceUrl, type IceUrl } from '../../protocol/ice-url.js';
import type { Verdict } from '../../protocol/ice-verdicts.js';
import { gather, type CandidateErrorRow, type CandidateRow, type GatherRun } from './gather.js';
import { judgeRun, summarize, type Summary } from './judge.js';
import { loopback, type LoopbackResult } from './loopback.js';
import { toIceServer, type TestServer } from './servers.js';

export interface RunReport extends GatherRun {
  origin: TestServer['origin'];
  username?: string;
  verdict: Verdict;
}

export interface IceTestReport {
  tool: 'ice-test';
  version: 1;
  page: string;
  userAgent: string;
  startedAt: string;
  finishedAt: string;
  policy: RTCIceTransportPolicy;
  /** When this deployment's credentials expire (ISO), as this browser's clock says. */
  credentialsExpireAt: string | null;
  summary: Summary;
  runs: RunReport[];
  loopbacks: LoopbackResult[];
}

export interface RunCallbacks {
  onRunStart(index: number, server: TestServer): void;
  onCandidate(index: number, row: CandidateRow): void;
  onCandidateError(index: number, row: CandidateErrorRow): void;
  onRunEnd(index: number, run: RunReport): void;
  onLoopbackStart(server: TestServer): void;
  onLoopbackEnd(result: LoopbackResult): void;
}

export interface RunSettings {
  policy: RTCIceTransportPolicy;
  gatherTimeoutMs: number;
  loopbackTimeoutMs: number;
  pings: number;
  credentialsExpireAt?: number;
}

export async function runIceTest(
  servers: TestServer[],
  settings: RunSettings,
  on: RunCallbacks,
): Promise<IceTestReport> {
  const startedAt = new Date().toISOString();
  // Relay-only gathering asks STUN servers nothing, so STUN URLs would be judged on nothing.
  const tested = servers
    .map((server) => ({ server, url: parseIceUrl(server.url) }))
    .filter(({ url }) => settings.policy === 'all' || url?.relay !== false);
  const runs = await Promise.all(tested.map(({ server, url }, index) => runOne(index, server, url, settings, on)));

  const loopbacks: LoopbackResult[] = [];
  for (const [index, run] of runs.entries()) {
    const { server, url } = tested[index]!;
    if (url === undefined || !url.relay) continue;
    let result: LoopbackResult;
    if (run.verdict.level !== 'ok') {
      result = {
        url: run.url,
        transport: url.transport,
        connected: false,
        skipped: true,
        error: 'skipped: no relay candidate',
      };
    } else {
      on.onLoopbackStart(server);
      result = await loopback(url, toIceServer(server), {
        timeoutMs: settings.loopbackTimeoutMs,
        pings: settings.pings,
      });
    }
    loopbacks.push(result);
    on.onLoopbackEnd(result);
  }

  return {
    tool: 'ice-test',
    version: 1,
    page: location.origin,
    userAgent: navigator.userAgent,
    startedAt,
    finishedAt: new Date().toISOString(),
    policy: settings.policy,
    credentialsExpireAt:
      settings.credentialsExpireAt === undefined ? null : new Date(settings.credentialsExpireAt).toISOString(),
    summary: summarize(runs, loopbacks),
    runs,
    loopbacks,
  };
}

async function runOne(
  index: number,
  server: TestServer,
  url: IceUrl | undefined,
  settings: RunSettings,
  on: RunCallbacks,
): Promise<RunReport> {
  on.onRunStart(index, server);
  const base = { origin: server.origin, ...(server.username === undefined ? {} : { username: server.username }) };
  let report: RunReport;
  if (url === undefined) {
    report = {
      ...base,
      url: server.url,
      transport: 'UDP',
      relay: false,
      completed: false,
      durationMs: 0,
      candidates: [],
      errors: [],
      verdict: {
        level: 'fail',
        text: 'not a STUN or TURN URL',
        hint: 'Write it as stun:host:port, turn:host:port?transport=udp|tcp or turns:host:port.',
      },
    };
  } else {
    const run = await gather(url, toIceServer(server), {
      policy: settings.policy,
      timeoutMs: settings.gatherTimeoutMs,
      onCandidate: (row) => on.onCandidate(index, row),
      onError: (row) => on.onCandidateError(index, row),
    });
    report = { ...base, ...run, verdict: judgeRun(url, run) };
  }
  on.onRunEnd(index, report);
  return report;
}
