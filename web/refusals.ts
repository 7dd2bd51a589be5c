/**
 * What the element says when the server turns it away: what happened and
 * what to do, in words, from the protocol's stable codes and reasons. The
 * server's own message is written for developers; the element shows these
 * instead, and `vc-error` carries them as its `message`.
 */
import type { UnauthorizedReason } from '../protocol/signaling.js';

const ASK = 'Ask whoever invited you for a new link.';

/** Why a token was refused, keyed by every reason the protocol has (the compiler holds it to the list). */
const UNAUTHORIZED: Record<UnauthorizedReason, string> = {
  missing: 'This room needs an invitation (a token). Open the call from the invitation link you were sent.',
  malformed: `Your invitation link is damaged or incomplete. ${ASK}`,
  'bad-signature': `Your invitation link is not valid for this server. ${ASK}`,
  expired: 'Your invitation link has expired. Ask for a new one.',
  'not-yet-valid': "Your invitation link is not valid yet. Try again later, and check this device's clock.",
  'wrong-room': `Your invitation is for another room. ${ASK}`,
  'wrong-audience': `Your invitation was issued for another site. ${ASK}`,
  'unknown-key': `Your invitation was signed with a key this server does not know. ${ASK}`,
  'too-long': `Your invitation is valid for longer than this server allows. ${ASK}`,
  kicked: 'A host removed you from this room a moment ago. Wait a minute before joining again.',
};

export function isUnauthorizedReason(value: unknown): value is UnauthorizedReason {
  return typeof value === 'string' && Object.hasOwn(UNAUTHORIZED, value);
}

export type RefusalCode = 'unauthorized' | 'forbidden' | 'kicked' | 'denied';

export function isRefusal(code: string): code is RefusalCode {
  return code === 'unauthorized' || code === 'forbidden' || code === 'kicked' || code === 'denied';
}

/** The words for a refusal; `reason` only matters for `unauthorized`. */
export function refusalText(code: RefusalCode, reason: UnauthorizedReason | undefined): string {
  switch (code) {
    case 'unauthorized':
      return reason === undefined ? 'You are not allowed into this room.' : UNAUTHORIZED[reason];
    case 'forbidden':
      return 'Only a host can do that.';
    case 'kicked':
      return 'A host removed you from the call.';
    case 'denied':
      return 'A host did not let you in.';
  }
}

/** The state a fatal error leaves the call in: a host's decision is an ending (`left`), anything else a failure. */
export function endsAs(code: string): 'failed' | 'left' {
  return code === 'kicked' || code === 'denied' ? 'left' : 'failed';
}
