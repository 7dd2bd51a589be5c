import { describe, expect, it } from 'vitest';
import { createResumeTokens, type ResumeTokenOptions } from '../../server/signaling/resume-token.js';

function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const options = (time: { now: () => number }, overrides: Partial<ResumeTokenOptions> = {}): ResumeTokenOptions => ({
  secret: 's'.repeat(32),
  lifetimeSeconds: 600,
  maxPeers: 100,
  now: time.now,
  ...overrides,
});

describe('revoking a peer id (a kicked peer)', () => {
  it('refuses its latest token', () => {
    const tokens = createResumeTokens(options(clock()));
    const token = tokens.issue('standup', 'peer-1');
    tokens.revoke('peer-1');
    expect(tokens.verify('standup', token)).toBeUndefined();
  });

  it('refuses a token of the id from before a restart, which would otherwise be accepted once', () => {
    const time = clock();
    const before = createResumeTokens(options(time));
    const old = before.issue('standup', 'peer-1');
    time.advance(1000);
    const tokens = createResumeTokens(options(time));
    tokens.revoke('peer-1');
    expect(tokens.verify('standup', old)).toBeUndefined();
  });

  it('leaves the tokens of other ids working', () => {
    const tokens = createResumeTokens(options(clock()));
    const other = tokens.issue('standup', 'peer-2');
    tokens.issue('standup', 'peer-1');
    tokens.revoke('peer-1');
    expect(tokens.verify('standup', other)).toBe('peer-2');
  });

  it('counts a revoked id against maxPeers like any other record', () => {
    const time = clock();
    const before = createResumeTokens(options(time));
    const old = before.issue('standup', 'from-before');
    time.advance(1000);
    const tokens = createResumeTokens(options(time, { maxPeers: 1 }));
    tokens.issue('standup', 'peer-1');
    tokens.revoke('peer-2');
    // peer-1 was forgotten for the revoked record, so tokens without a record are no longer trusted.
    expect(tokens.verify('standup', old)).toBeUndefined();
  });
});
