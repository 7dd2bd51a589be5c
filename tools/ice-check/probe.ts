/**
 * Judges one STUN or TURN URL the way a browser would use it. STUN: a
 * Binding request. TURN: Allocate, CreatePermission for the allocation's own
 * relayed address, then pings sent through the relay back to itself, so the
 * whole path (credentials, relay port range, relaying) is proven, and the
 * allocation freed afterwards.
 */
import type { TransportAddress } from '../../turn/codec/address.js';
import type { IceUrl } from '../../protocol/ice-url.js';
import { median } from '../../protocol/stats.js';
import { authFailed, notReachable, refused, relayOk, stunOk, type Verdict } from '../../protocol/ice-verdicts.js';
import {
  NoAnswerError,
  StunErrorResponse,
  TransportError,
  TurnClient,
  openTransport,
  type Credentials,
  type TlsOptions,
} from '../../turn/client/index.js';

export interface ProbeOptions {
  timeoutMs: number;
  pings: number;
  tls: TlsOptions;
}

export interface ProbeResult {
  url: string;
  transport: IceUrl['transport'];
  verdict: Verdict;
  /** This machine's address as the server sees it. */
  mapped?: string;
  /** The relay address the allocation got. */
  relayed?: string;
  /** Round trips through the relay and back, in milliseconds. */
  rtt?: { median: number; max: number; received: number; sent: number };
  /** The STUN error, when the server answered with one. */
  error?: { code: number; reason: string; method: string };
  durationMs: number;
}

export async function probe(
  url: IceUrl,
  credentials: Credentials | undefined,
  options: ProbeOptions,
): Promise<ProbeResult> {
  const started = performance.now();
  const result = (fields: Omit<ProbeResult, 'url' | 'transport' | 'durationMs'>): ProbeResult => ({
    url: url.url,
    transport: url.transport,
    ...fields,
    durationMs: Math.round(performance.now() - started),
  });
  let session: TurnClient | undefined;
  try {
    const transport = await openTransport(url, options.timeoutMs, options.tls);
    session = new TurnClient(transport, {
      ...(credentials === undefined ? {} : { credentials }),
      timeoutMs: options.timeoutMs,
    });
    if (!url.relay) {
      const mapped = await session.binding();
      return result({ verdict: stunOk(show(mapped)), mapped: show(mapped) });
    }
    if (credentials === undefined)
      return result({ verdict: authFailed(401), error: { code: 401, reason: 'no credentials', method: 'Allocate' } });
    const allocation = await session.allocate();
    await session.createPermission(allocation.relayed);
    const rtt = await pingThroughRelay(session, allocation.relayed, options);
    await session.release().catch(() => undefined);
    const fields = {
      relayed: show(allocation.relayed),
      rtt,
      ...(allocation.mapped === undefined ? {} : { mapped: show(allocation.mapped) }),
    };
    if (rtt.received === 0) {
      return result({
        ...fields,
        verdict: {
          level: 'fail',
          text: 'relay allocated, but nothing came back through it',
          hint:
            `Packets sent to the relay address ${fields.relayed} did not return: ` +
            "check that the relay's address is reachable from the relay itself " +
            '(TURN_EXTERNAL_IP / external-ip behind 1:1 NAT) and that the relay port range is open.',
        },
      });
    }
    return result({ ...fields, verdict: relayOk(url) });
  } catch (error) {
    return result(failure(url, error));
  } finally {
    session?.close();
  }
}

async function pingThroughRelay(
  session: TurnClient,
  relayed: TransportAddress,
  options: ProbeOptions,
): Promise<NonNullable<ProbeResult['rtt']>> {
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  let allBack: () => void = () => {};
  const done = new Promise<void>((resolve) => (allBack = resolve));
  session.onData((_peer, data) => {
    const match = /^ice-check (\d+)$/.exec(data.toString('utf8'));
    const at = match === null ? undefined : sentAt.get(Number(match[1]));
    if (at === undefined) return;
    sentAt.delete(Number(match![1]));
    rtts.push(performance.now() - at);
    if (rtts.length === options.pings) allBack();
  });
  for (let seq = 0; seq < options.pings; seq++) {
    sentAt.set(seq, performance.now());
    session.send(relayed, Buffer.from(`ice-check ${seq}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise((resolve) => (timer = setTimeout(resolve, Math.min(options.timeoutMs, 3000)))),
  ]);
  clearTimeout(timer);
  const round = (ms: number) => (Number.isFinite(ms) ? Math.round(ms * 10) / 10 : 0);
  return {
    median: round(median(rtts)),
    max: round(Math.max(...rtts)),
    received: rtts.length,
    sent: options.pings,
  };
}

function failure(url: IceUrl, error: unknown): Pick<ProbeResult, 'verdict' | 'error'> {
  if (error instanceof StunErrorResponse) {
    const stunError = { code: error.code, reason: error.reason, method: error.method };
    if (error.code === 401 || error.code === 438) return { verdict: authFailed(error.code), error: stunError };
    return { verdict: refused(error.code, error.reason), error: stunError };
  }
  if (error instanceof NoAnswerError) return { verdict: notReachable(url) };
  if (error instanceof TransportError) {
    if (url.transport === 'TLS' && !/^E[A-Z]+$/.test(error.code)) {
      return {
        verdict: {
          level: 'fail',
          text: 'TLS failed',
          hint:
            `${error.message} (${error.code}). ` +
            `The relay's certificate must be valid for ${url.host} and trusted (pass --ca for a private CA).`,
        },
      };
    }
    return { verdict: notReachable(url, `${error.message} (${error.code})`) };
  }
  return {
    verdict: { level: 'fail', text: 'check failed', hint: error instanceof Error ? error.message : String(error) },
  };
}

function show(address: TransportAddress): string {
  return address.family === 6 ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
