/**
 * The element's words: its status line in every state (the lobby, and an
 * ending a host caused, included), and the display name as the server
 * accepts it.
 */
import { describe, expect, it } from 'vitest';
import { displayName, initial, pathLabel, statusText } from '../../web/labels.js';
import { core } from '../../web/strings/en-core.js';

describe('the status line', () => {
  it('says where the call is', () => {
    expect(statusText('idle', '', undefined, core)).toBe('No room given');
    expect(statusText('idle', 'standup', undefined, core)).toBe('Ready to join standup');
    expect(statusText('lobby', 'standup', undefined, core)).toBe('In the lobby');
    expect(statusText('waiting', 'standup', undefined, core)).toBe('Waiting for someone to join');
    expect(statusText('connected', 'standup', undefined, core)).toBe('');
  });

  it('says why the call failed or ended, when something other than leave() ended it', () => {
    expect(statusText('failed', 'standup', 'Your invitation link has expired. Ask for a new one.', core)).toBe(
      'Your invitation link has expired. Ask for a new one.',
    );
    expect(statusText('left', 'standup', 'A host removed you from the call.', core)).toBe(
      'A host removed you from the call.',
    );
  });

  it('falls back to plain words without a reason', () => {
    expect(statusText('failed', 'standup', '', core)).toBe('The call failed');
    expect(statusText('left', 'standup', undefined, core)).toBe('You left the call');
  });
});

describe('names and badges', () => {
  it('cleans a display name as the server would accept it', () => {
    expect(displayName('  Ada\nLovelace\u0007 ')).toBe('Ada Lovelace');
    expect(displayName('x'.repeat(80))).toHaveLength(64);
    expect(displayName(`${'x'.repeat(63)}😀`)).toBe('x'.repeat(63));
  });

  it('shows an initial, and a path as the badge says it', () => {
    expect([initial(' ada'), initial('')]).toEqual(['A', '?']);
    const path = { local: 'relay', remote: 'host', settled: true } as const;
    expect(pathLabel({ ...path, path: 'relay', protocol: 'tls' }, core)).toBe('relay · tls');
    expect(pathLabel({ ...path, path: 'direct', protocol: 'udp' }, core)).toBe('direct');
    expect(pathLabel({ ...path, path: 'srflx', protocol: 'udp' }, core)).toBe('p2p · nat');
  });
});
