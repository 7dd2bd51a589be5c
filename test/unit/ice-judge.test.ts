import { describe, expect, it } from 'vitest';
import { parseIceUrl } from '../../protocol/ice-url.js';
import { judgeRun, summarize } from '../../web/ice-test/judge.js';

const url = (text: string) => parseIceUrl(text)!;
const candidate = (type: string, address = '203.0.113.9') => ({ type, address });

describe('judging one URL from what the browser gathered', () => {
  it('a relay candidate means the relay works over the URL transport', () => {
    const run = { candidates: [candidate('host'), candidate('relay')], errors: [], completed: true };
    expect(judgeRun(url('turns:t.example.com:443?transport=tcp'), run)).toMatchObject({
      level: 'ok',
      text: 'relay OK over TLS',
    });
  });

  it('a 401 error means the credentials were refused: check the secret and the clock', () => {
    const verdict = judgeRun(url('turn:t.example.com'), {
      candidates: [],
      errors: [{ code: 401, text: 'Unauthorized.' }],
      completed: true,
    });
    expect(verdict).toMatchObject({ level: 'fail', text: 'auth failed (401)' });
    expect(verdict.hint).toMatch(/TURN_SECRET.*clocks/s);
  });

  it('other STUN errors are named with their code', () => {
    const verdict = judgeRun(url('turn:t.example.com'), {
      candidates: [],
      errors: [{ code: 486, text: 'Allocation Quota Reached' }],
      completed: true,
    });
    expect(verdict).toMatchObject({ level: 'fail', text: 'refused (486 Allocation Quota Reached)' });
  });

  it('no answer over UDP before the time is up means not reachable, with the UDP port to open', () => {
    const verdict = judgeRun(url('turn:t.example.com:3478?transport=udp'), {
      candidates: [candidate('host')],
      errors: [],
      completed: false,
    });
    expect(verdict).toMatchObject({ level: 'fail', text: 'not reachable' });
    expect(verdict.hint).toContain('Open UDP 3478');
  });

  it('a refused TCP connection (gathering ends with nothing) means not reachable, with the TCP port to open', () => {
    const verdict = judgeRun(url('turn:t.example.com:443?transport=tcp'), {
      candidates: [candidate('host')],
      errors: [],
      completed: true,
    });
    expect(verdict).toMatchObject({ level: 'fail', text: 'not reachable' });
    expect(verdict.hint).toContain('Open TCP 443');
  });

  it('a TURN URL that gives only a reflexive address is STUN only', () => {
    const verdict = judgeRun(url('turn:t.example.com'), {
      candidates: [candidate('srflx')],
      errors: [],
      completed: true,
    });
    expect(verdict).toMatchObject({ level: 'warn', text: 'STUN only' });
  });

  it('a STUN URL reports the public address it learned', () => {
    const verdict = judgeRun(url('stun:s.example.com'), {
      candidates: [candidate('srflx', '198.51.100.4')],
      errors: [],
      completed: true,
    });
    expect(verdict).toMatchObject({ level: 'ok', text: 'STUN OK' });
    expect(verdict.hint).toContain('198.51.100.4');
  });

  it('a STUN URL that completes without a new address answered from the same network', () => {
    expect(
      judgeRun(url('stun:s.example.com'), { candidates: [candidate('host')], errors: [], completed: true }),
    ).toMatchObject({ level: 'ok', text: 'STUN OK' });
  });

  it('a STUN URL that never completes is not reachable', () => {
    expect(
      judgeRun(url('stun:s.example.com'), { candidates: [candidate('host')], errors: [], completed: false }),
    ).toMatchObject({ level: 'fail', text: 'not reachable' });
  });
});

describe('the summary at the top', () => {
  const ok = { level: 'ok' as const, text: 'relay OK over UDP' };
  const failed = { level: 'fail' as const, text: 'not reachable' };

  it('is green when every URL and every loopback works', () => {
    const summary = summarize(
      [
        { relay: true, verdict: ok },
        { relay: true, verdict: ok },
      ],
      [
        { transport: 'UDP', connected: true },
        { transport: 'TLS', connected: true },
      ],
    );
    expect(summary).toEqual({ level: 'ok', text: 'Calls will work from this network: relay OK over UDP, TLS.' });
  });

  it('is amber when some relay works but something failed', () => {
    const summary = summarize(
      [
        { relay: true, verdict: failed },
        { relay: true, verdict: ok },
      ],
      [
        { transport: 'UDP', connected: false },
        { transport: 'TCP', connected: true },
      ],
    );
    expect(summary.level).toBe('warn');
    expect(summary.text).toContain('relay OK over TCP');
    expect(summary.text).toContain('2 checks failed');
  });

  it('counts a URL that failed once, not again for its skipped loopback', () => {
    const summary = summarize(
      [
        { relay: true, verdict: failed },
        { relay: true, verdict: ok },
      ],
      [
        { transport: 'TCP', connected: false, skipped: true },
        { transport: 'UDP', connected: true },
      ],
    );
    expect(summary.text).toContain('1 check failed');
  });

  it('is red when no relay works', () => {
    expect(summarize([{ relay: true, verdict: failed }], [{ transport: 'UDP', connected: false }]).level).toBe('fail');
  });

  it('is amber without any TURN URL, and red without any server', () => {
    expect(summarize([{ relay: false, verdict: { level: 'ok', text: 'STUN OK' } }], []).level).toBe('warn');
    expect(summarize([], []).level).toBe('fail');
  });
});
