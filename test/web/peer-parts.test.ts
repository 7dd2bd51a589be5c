/** The peer connection's pure parts: reading the other side's media state, and spotting an ICE-restart offer. */
import { describe, expect, it } from 'vitest';
import { parseMediaState } from '../../web/controllers/peer/media-state.js';
import { restartsIce } from '../../web/controllers/peer/sdp.js';

describe('parseMediaState', () => {
  it('reads what the other side sent', () => {
    expect(parseMediaState('{"audio":true,"video":false,"screen":true}')).toEqual({
      audio: true,
      video: false,
      screen: true,
    });
  });

  it('takes anything but true as off', () => {
    expect(parseMediaState('{"audio":"yes","video":1}')).toEqual({ audio: false, video: false, screen: false });
  });

  it.each(['not json', 'null', '42'])('throws on %j, which the channel reports', (text) => {
    expect(() => parseMediaState(text)).toThrow();
  });
});

describe('restartsIce', () => {
  const sdp = (ufrag: string) => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=ice-ufrag:${ufrag}\r\na=ice-pwd:p\r\n`;

  it('is true when the offer carries a new ICE username fragment', () => {
    expect(restartsIce(sdp('aaaa'), sdp('bbbb'))).toBe(true);
  });

  it('is false for a renegotiation that keeps the fragment', () => {
    expect(restartsIce(sdp('aaaa'), sdp('aaaa'))).toBe(false);
  });

  it('is false for the first offer, with no remote description yet', () => {
    expect(restartsIce(undefined, sdp('aaaa'))).toBe(false);
  });
});
