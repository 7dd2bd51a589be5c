/**
 * What the element says when the server turns it away, and the state it
 * ends in: every reason the protocol has gets its own words.
 */
import { describe, expect, it } from 'vitest';
import { UNAUTHORIZED_REASONS } from '../../protocol/signaling.js';
import { endsAs, isRefusal, refusalText } from '../../web/refusals.js';
import { refusals } from '../../web/strings/en-refusals.js';

describe('refusals in words', () => {
  it('says what to do for an expired and for a missing token', () => {
    expect(refusalText('unauthorized', 'expired', refusals)).toBe(
      'Your invitation link has expired. Ask for a new one.',
    );
    expect(refusalText('unauthorized', 'missing', refusals)).toMatch(/^This room needs an invitation \(a token\)\./);
  });

  it('has words of its own for every reason the protocol has', () => {
    const texts = UNAUTHORIZED_REASONS.map((reason) => refusalText('unauthorized', reason, refusals));
    for (const text of texts) expect(text).toMatch(/^[A-Z].{20,}\.$/);
    expect(new Set(texts).size).toBe(UNAUTHORIZED_REASONS.length);
  });

  it('says something for an unauthorized without a reason, and for forbidden, kicked and denied', () => {
    expect(refusalText('unauthorized', undefined, refusals)).toBe('You are not allowed into this room.');
    expect(refusalText('forbidden', undefined, refusals)).toBe('Only a host can do that.');
    expect(refusalText('kicked', undefined, refusals)).toBe('A host removed you from the call.');
    expect(refusalText('denied', undefined, refusals)).toBe('A host did not let you in.');
  });

  it('knows the refusals from the other error codes', () => {
    expect(['unauthorized', 'forbidden', 'kicked', 'denied'].every(isRefusal)).toBe(true);
    expect(['room-full', 'bad-message', 'server-unreachable'].some(isRefusal)).toBe(false);
  });

  it('ends a call a host ended as left, and any other fatal error as failed', () => {
    expect([endsAs('kicked'), endsAs('denied')]).toEqual(['left', 'left']);
    expect([endsAs('unauthorized'), endsAs('room-full'), endsAs('unsupported-version')]).toEqual([
      'failed',
      'failed',
      'failed',
    ]);
  });
});
