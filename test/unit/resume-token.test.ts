import { describe, expect, it } from 'vitest';
import { createResumeTokens } from '../../server/signaling/resume-token.js';

function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('resume tokens', () => {
  it('grant the peer id they were issued for, in their room', () => {
    const tokens = createResumeTokens('s'.repeat(32), 600, clock().now);
    expect(tokens.verify('standup', tokens.issue('standup', 'peer-1'))).toBe('peer-1');
  });

  it('grant nothing in another room', () => {
    const tokens = createResumeTokens('s'.repeat(32), 600, clock().now);
    expect(tokens.verify('other', tokens.issue('standup', 'peer-1'))).toBeUndefined();
  });

  it('grant nothing once expired', () => {
    const time = clock();
    const tokens = createResumeTokens('s'.repeat(32), 600, time.now);
    const token = tokens.issue('standup', 'peer-1');
    time.advance(599_000);
    expect(tokens.verify('standup', token)).toBe('peer-1');
    time.advance(1_000);
    expect(tokens.verify('standup', token)).toBeUndefined();
  });

  it('grant nothing when signed with another secret (a restart without SESSION_SECRET)', () => {
    const time = clock();
    const before = createResumeTokens('a'.repeat(32), 600, time.now);
    const after = createResumeTokens('b'.repeat(32), 600, time.now);
    expect(after.verify('standup', before.issue('standup', 'peer-1'))).toBeUndefined();
  });

  it('grant nothing when any part is altered', () => {
    const tokens = createResumeTokens('s'.repeat(32), 600, clock().now);
    const token = tokens.issue('standup', 'peer-1');
    const [id, expiry, mac] = token.split('.') as [string, string, string];
    const forged = [
      `peer-2.${expiry}.${mac}`,
      `${id}.${(parseInt(expiry, 36) + 1000).toString(36)}.${mac}`,
      `${id}.${expiry}.${mac.slice(0, -2)}AA`,
      `${id}.${expiry}`,
      `${id}.${expiry}.${mac}.extra`,
      `.${expiry}.${mac}`,
      '',
    ];
    for (const bad of forged) expect(tokens.verify('standup', bad)).toBeUndefined();
  });
});
