/**
 * What a gathering run says about its URL, and what all runs together say
 * about calls from this network. Pure, so every rule is unit-tested.
 *
 * What Chromium shows for each fault (measured): a wrong credential gives
 * icecandidateerror 401; a TURN/TCP or TLS server that refuses the
 * connection gives nothing, and gathering completes at once; a UDP server
 * that never answers gives nothing, and gathering never completes; a STUN
 * server on the same network as the browser answers with the browser's own
 * address, which Chromium drops as a duplicate of the host candidate.
 */
import type { IceUrl } from '../../protocol/ice-url.js';
import {
  authFailed,
  notReachable,
  refused,
  relayOk,
  stunOk,
  stunOnly,
  type Verdict,
  type VerdictLevel,
} from '../../protocol/ice-verdicts.js';

/** Chromium's code for "no answer / could not connect" (not a STUN error code). */
const UNREACHABLE = 701;

/** What judging needs of a gathering run (gather.ts's GatherRun has it; this module stays DOM-free for unit tests). */
export interface GatheredSoFar {
  candidates: Array<{ type: string; address: string }>;
  errors: Array<{ code: number; text: string }>;
  completed: boolean;
}

export function judgeRun(url: IceUrl, run: GatheredSoFar): Verdict {
  const relayCandidate = run.candidates.find((candidate) => candidate.type === 'relay');
  const reflexive = run.candidates.find((candidate) => candidate.type === 'srflx');
  const stunError = run.errors.find((error) => error.code >= 300 && error.code <= 699);
  if (url.relay) {
    if (relayCandidate !== undefined) return relayOk(url);
    if (stunError !== undefined && (stunError.code === 401 || stunError.code === 438))
      return authFailed(stunError.code);
    if (stunError !== undefined) return refused(stunError.code, stunError.text);
    if (reflexive !== undefined) return stunOnly(url);
    if (!run.completed) return notReachable(url, 'No answer before the time was up');
    return notReachable(url, 'The connection was refused or closed');
  }
  if (reflexive !== undefined) return stunOk(reflexive.address);
  if (!run.completed || run.errors.some((error) => error.code === UNREACHABLE))
    return notReachable(url, 'No answer before the time was up');
  return stunOk(undefined);
}

export interface LoopbackSummary {
  transport: IceUrl['transport'];
  connected: boolean;
  skipped?: boolean;
}

export interface Summary {
  level: VerdictLevel;
  text: string;
}

/** The headline: green when every URL and every relay loopback works, amber when some relay does, red when none. */
export function summarize(runs: Array<{ relay: boolean; verdict: Verdict }>, loopbacks: LoopbackSummary[]): Summary {
  if (runs.length === 0)
    return { level: 'fail', text: 'No ICE servers to test: this deployment hands out no STUN or TURN URLs.' };
  const working = [
    ...new Set(loopbacks.filter((loopback) => loopback.connected).map((loopback) => loopback.transport)),
  ];
  // A skipped loopback is its URL's failure seen again, not a second problem.
  const problems =
    runs.filter((run) => run.verdict.level !== 'ok').length +
    loopbacks.filter((loopback) => !loopback.connected && loopback.skipped !== true).length;
  const relays = runs.filter((run) => run.relay);
  if (relays.length === 0) {
    return {
      level: 'warn',
      text:
        'No TURN server is configured: calls work only where the browsers can reach each other directly; ' +
        'behind symmetric NAT or strict firewalls they fail.',
    };
  }
  if (working.length === 0) {
    return {
      level: 'fail',
      text: 'No relay works from this network: calls from here fail wherever a direct connection is impossible.',
    };
  }
  const over = `relay OK over ${working.join(', ')}`;
  if (problems === 0) return { level: 'ok', text: `Calls will work from this network: ${over}.` };
  const failed = `${problems} check${problems === 1 ? '' : 's'} failed`;
  return {
    level: 'warn',
    text: `Calls will work from this network (${over}), but ${failed}: see below.`,
  };
}
