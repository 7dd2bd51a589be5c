import { describe, expect, it } from 'vitest';
import { serialize } from '../../server/signaling/outbound.js';

describe('server message serialization', () => {
  it('writes a message as the JSON a client parses back to the same message', () => {
    const message = { type: 'peer-left', id: 'abc', reason: 'left' } as const;
    expect(JSON.parse(serialize(message))).toEqual(message);
  });

  // Nothing checks at run time (the JSON below is written as given): the type is the guard,
  // and `npm run typecheck` fails if either line below stops being a type error.
  it('takes only messages the protocol defines, so a misspelt field does not compile', () => {
    // @ts-expect-error "peers" is a misspelling of peer-joined's "peer"
    expect(serialize({ type: 'peer-joined', peers: { id: 'a', name: '' } })).toContain('"peers"');
    // @ts-expect-error the protocol has no "peer-moved" message
    expect(serialize({ type: 'peer-moved', id: 'a' })).toContain('peer-moved');
  });
});
