/**
 * What the ICE test page says when GET /api/ice-servers answers 401 (a
 * server in token mode, without a token or with a bad one): what was wrong
 * with the token, and what to do. Free of the DOM, so it is unit tested.
 */
import { isUnauthorizedReason, refusalText } from '../refusals.js';
import { refusals } from '../strings/en-refusals.js';

/** `body` is the 401's JSON body, `{ code, message, reason }`, or undefined when it was not JSON. */
export function bearerRefusal(body: unknown, token: string): string {
  const reason = typeof body === 'object' && body !== null && 'reason' in body ? body.reason : undefined;
  if (token === '' || reason === 'missing') {
    return (
      'This server hands out ICE servers only with a room token (ROOM_ACCESS=token): paste one for any room ' +
      'into the Room token field (npm run token -- --room <room> makes one).'
    );
  }
  if (!isUnauthorizedReason(reason)) return 'The server refused the room token (401).';
  return `The server refused the room token (401, ${reason}). ${refusalText('unauthorized', reason, refusals)}`;
}
