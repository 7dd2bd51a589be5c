/**
 * What the element says when the server turns it away: what happened and
 * what to do, in words, from the protocol's stable codes and reasons. The
 * server's own message is written for developers; the element shows these
 * instead, and `vc-error` carries them as its `message`.
 */
import type { UnauthorizedReason } from '../protocol/signaling.js';
import type { RefusalStrings } from './strings/catalogue.js';

/** Why a token was refused, keyed by every reason the protocol has (the compiler holds it to the list). */
const UNAUTHORIZED: Record<UnauthorizedReason, keyof RefusalStrings> = {
  missing: 'tokenMissing',
  malformed: 'tokenMalformed',
  'bad-signature': 'tokenBadSignature',
  expired: 'tokenExpired',
  'not-yet-valid': 'tokenNotYetValid',
  'wrong-room': 'tokenWrongRoom',
  'wrong-audience': 'tokenWrongAudience',
  'unknown-key': 'tokenUnknownKey',
  'too-long': 'tokenTooLong',
  kicked: 'tokenKicked',
};

export function isUnauthorizedReason(value: unknown): value is UnauthorizedReason {
  return typeof value === 'string' && Object.hasOwn(UNAUTHORIZED, value);
}

export type RefusalCode = 'unauthorized' | 'forbidden' | 'kicked' | 'denied';

export function isRefusal(code: string): code is RefusalCode {
  return code === 'unauthorized' || code === 'forbidden' || code === 'kicked' || code === 'denied';
}

/** The words for a refusal; `reason` only matters for `unauthorized`. */
export function refusalText(code: RefusalCode, reason: UnauthorizedReason | undefined, s: RefusalStrings): string {
  if (code !== 'unauthorized') return s[code];
  return s[reason === undefined ? 'notAllowed' : UNAUTHORIZED[reason]];
}

/** The state a fatal error leaves the call in: a host's decision is an ending (`left`), anything else a failure. */
export function endsAs(code: string): 'failed' | 'left' {
  return code === 'kicked' || code === 'denied' ? 'left' : 'failed';
}
