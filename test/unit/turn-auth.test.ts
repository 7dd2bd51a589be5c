import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../turn/auth.js';
import { turnPassword } from '../../protocol/turn-rest.js';
import { longTermKey } from '../../turn/codec/integrity.js';

function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TURN authentication', () => {
  it('derives the long-term key from the REST password of an unexpired username', () => {
    const time = clock();
    const auth = new Authenticator({
      secret: 'relay-secret-0123',
      realm: 'video-call',
      nonceLifetimeSeconds: 600,
      now: time.now,
    });
    const username = '1800000600:peer-7';
    expect(auth.keyFor(username)).toEqual({
      key: longTermKey(username, 'video-call', turnPassword('relay-secret-0123', username)),
    });
  });

  it('refuses an expired username', () => {
    const time = clock();
    const auth = new Authenticator({
      secret: 'relay-secret-0123',
      realm: 'video-call',
      nonceLifetimeSeconds: 600,
      now: time.now,
    });
    expect(auth.keyFor('1800000000:peer-7')).toEqual({ failure: 'expired' });
  });

  it.each(['__proto__', 'constructor', 'peer-7', 'toString:x', '', ':'])(
    'refuses the non-REST username %j',
    (username) => {
      const auth = new Authenticator({ secret: 'relay-secret-0123', realm: 'video-call', nonceLifetimeSeconds: 600 });
      expect(auth.keyFor(username)).toEqual({ failure: 'bad-username' });
    },
  );

  it('issues nonces that expire and are bound to the client address', () => {
    const time = clock();
    const auth = new Authenticator({
      secret: 'relay-secret-0123',
      realm: 'video-call',
      nonceLifetimeSeconds: 60,
      now: time.now,
    });
    const nonce = auth.nonce('192.0.2.10');
    expect(auth.nonceIsFresh(nonce, '192.0.2.10')).toBe(true);
    expect(auth.nonceIsFresh(nonce, '192.0.2.11')).toBe(false);
    expect(auth.nonceIsFresh(`${nonce}x`, '192.0.2.10')).toBe(false);
    time.advance(61_000);
    expect(auth.nonceIsFresh(nonce, '192.0.2.10')).toBe(false);
  });
});
