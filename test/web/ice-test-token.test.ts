/**
 * What the ICE test page says when GET /api/ice-servers refuses its room
 * token (401): the reason in words and what to do. Sending the token as a
 * bearer token is a browser's part, tested end to end.
 */
import { describe, expect, it } from 'vitest';
import { bearerRefusal } from '../../web/ice-test/bearer-refusal.js';

describe('a 401 from /api/ice-servers, in words', () => {
  it('names the reason and what to do', () => {
    const body = { code: 'VC_ERR_UNAUTHORIZED', message: 'token expired', reason: 'expired' };
    expect(bearerRefusal(body, 'old-jwt')).toBe(
      'The server refused the room token (401, expired). Your invitation link has expired. Ask for a new one.',
    );
  });

  it('says how to get a token when none was given', () => {
    expect(bearerRefusal({ reason: 'missing' }, '')).toMatch(/only with a room token .*Room token field/);
    expect(bearerRefusal(undefined, '')).toMatch(/only with a room token/);
  });

  it.each([
    ['no body', undefined],
    ['a body that is not an object', 'nope'],
    ['a reason the protocol does not have', { reason: 'cosmic-rays' }],
    ['a reason that is not a string', { reason: 7 }],
  ])('with %s, still says the token was refused', (_name, body) => {
    expect(bearerRefusal(body, 'jwt')).toBe('The server refused the room token (401).');
  });
});
