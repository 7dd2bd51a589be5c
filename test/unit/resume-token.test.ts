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

describe('resume tokens', () => {
  it('grant the peer id they were issued for, in their room', () => {
    const time = clock();
    const tokens = createResumeTokens(options(time));
    expect(tokens.verify('standup', tokens.issue('standup', 'peer-1'))).toBe('peer-1');
  });

  it('grant nothing in another room', () => {
    const time = clock();
    const tokens = createResumeTokens(options(time));
    expect(tokens.verify('other', tokens.issue('standup', 'peer-1'))).toBeUndefined();
  });

  it('grant nothing once expired', () => {
    const time = clock();
    const tokens = createResumeTokens(options(time));
    const token = tokens.issue('standup', 'peer-1');
    time.advance(599_999);
    expect(tokens.verify('standup', token)).toBe('peer-1');
    time.advance(1);
    expect(tokens.verify('standup', token)).toBeUndefined();
  });

  it('grant nothing once a newer token was issued for the same id: the latest only', () => {
    const time = clock();
    const tokens = createResumeTokens(options(time));
    const first = tokens.issue('standup', 'peer-1');
    time.advance(1);
    const second = tokens.issue('standup', 'peer-1');
    expect(tokens.verify('standup', first)).toBeUndefined();
    expect(tokens.verify('standup', second)).toBe('peer-1');
    // The id joined another room: no token for the first room resumes it any more.
    time.advance(1);
    const elsewhere = tokens.issue('retro', 'peer-1');
    expect(tokens.verify('standup', second)).toBeUndefined();
    expect(tokens.verify('retro', elsewhere)).toBe('peer-1');
  });

  it('grant nothing when signed with another secret (a restart without SESSION_SECRET)', () => {
    const time = clock();
    const before = createResumeTokens(options(time, { secret: 'a'.repeat(32) }));
    const token = before.issue('standup', 'peer-1');
    time.advance(1000);
    const after = createResumeTokens(options(time, { secret: 'b'.repeat(32) }));
    expect(after.verify('standup', token)).toBeUndefined();
  });

  it('grant a token issued before a restart with the same secret once: the join it serves records its successor', () => {
    const time = clock();
    const before = createResumeTokens(options(time));
    const token = before.issue('standup', 'peer-1');
    time.advance(1000);
    const after = createResumeTokens(options(time));
    expect(after.verify('standup', token)).toBe('peer-1');
    after.issue('standup', 'peer-1');
    expect(after.verify('standup', token)).toBeUndefined();
  });

  it('forget the oldest ids beyond maxPeers, and then refuse their tokens and every token from before the restart', () => {
    const time = clock();
    const before = createResumeTokens(options(time));
    const old = before.issue('standup', 'from-before');
    time.advance(1000);
    const tokens = createResumeTokens(options(time, { maxPeers: 2 }));
    const first = tokens.issue('standup', 'peer-1');
    const second = tokens.issue('standup', 'peer-2');
    expect(tokens.verify('standup', old)).toBe('from-before');
    const third = tokens.issue('standup', 'peer-3');
    expect(tokens.verify('standup', first)).toBeUndefined();
    expect(tokens.verify('standup', second)).toBe('peer-2');
    expect(tokens.verify('standup', third)).toBe('peer-3');
    expect(tokens.verify('standup', old)).toBeUndefined();
  });

  it('count an id issued again as the newest, not the oldest', () => {
    const time = clock();
    const tokens = createResumeTokens(options(time, { maxPeers: 2 }));
    tokens.issue('standup', 'peer-1');
    tokens.issue('standup', 'peer-2');
    const renewed = tokens.issue('standup', 'peer-1');
    tokens.issue('standup', 'peer-3');
    expect(tokens.verify('standup', renewed)).toBe('peer-1');
  });

  it('grant nothing when any part is altered', () => {
    const time = clock();
    const tokens = createResumeTokens(options(time));
    const token = tokens.issue('standup', 'peer-1');
    const [id, issued, mac] = token.split('.') as [string, string, string];
    const forged = [
      `peer-2.${issued}.${mac}`,
      `${id}.${(parseInt(issued, 36) + 1000).toString(36)}.${mac}`,
      `${id}.${issued}.${mac.slice(0, -2)}AA`,
      `${id}.${issued}`,
      `${id}.${issued}.${mac}.extra`,
      `.${issued}.${mac}`,
      '',
    ];
    for (const bad of forged) expect(tokens.verify('standup', bad)).toBeUndefined();
  });
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
