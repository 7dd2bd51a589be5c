import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../server/signaling/validate.js';

const reason = (text: string) => {
  const parsed = parseClientMessage(text);
  if (parsed.ok) throw new Error(`accepted ${text}`);
  return parsed.reason;
};

describe('client message validation', () => {
  it('accepts each well-formed client message', () => {
    const good = [
      { type: 'join', room: 'standup_2024-01', name: 'Ada Lovelace', v: 1 },
      { type: 'join', room: 'r' },
      { type: 'signal', to: 'abc', data: { description: { type: 'offer', sdp: 'v=0\r\n' } } },
      { type: 'signal', to: 'abc', data: { description: { type: 'rollback' } } },
      {
        type: 'signal',
        to: 'abc',
        data: {
          candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
        },
      },
      { type: 'signal', to: 'abc', data: { candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null } } },
      { type: 'ice-servers' },
      { type: 'leave' },
    ];
    for (const message of good) expect(parseClientMessage(JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it('names non-JSON', () => {
    expect(reason('{"type":')).toBe('frame is not valid JSON');
  });

  it('names JSON that is not an object', () => {
    for (const text of ['[]', '"join"', '42', 'null']) expect(reason(text)).toBe('frame must be a JSON object');
  });

  it('names a missing or non-string type', () => {
    expect(reason('{}')).toBe('frame has no string "type"');
    expect(reason('{"type":7}')).toBe('frame has no string "type"');
  });

  it('names an unknown type', () => {
    expect(reason('{"type":"peer-joined"}')).toBe('unknown message type "peer-joined"');
  });

  it('names the failing field of a message of the wrong shape', () => {
    expect(reason('{"type":"join"}')).toMatch(/^invalid "join": \/room: /);
    expect(reason('{"type":"join","room":"a b"}')).toMatch(/\/room/);
    expect(reason('{"type":"join","room":"' + 'x'.repeat(65) + '"}')).toMatch(/\/room/);
    expect(reason('{"type":"join","room":"a","name":"bell\\u0007"}')).toMatch(/\/name/);
    expect(reason('{"type":"join","room":"a","name":""}')).toMatch(/\/name/);
    expect(reason('{"type":"join","room":5}')).toMatch(/\/room/);
    expect(reason('{"type":"signal","to":"x"}')).toMatch(/\/data/);
    expect(reason('{"type":"signal","to":"x","data":{"description":{"type":"bogus","sdp":""}}}')).toMatch(/\/data/);
  });

  it('refuses unknown fields, so a client cannot smuggle a "from"', () => {
    expect(reason('{"type":"signal","to":"x","from":"y","data":{"candidate":{"candidate":""}}}')).toMatch(
      /^invalid "signal"/,
    );
    expect(reason('{"type":"leave","extra":1}')).toMatch(/^invalid "leave"/);
  });
});
