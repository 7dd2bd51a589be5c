import { describe, expect, it } from 'vitest';
import { parseIceUrl } from '../../protocol/ice-url.js';

describe('parseIceUrl', () => {
  it('reads host, default port and transport from each scheme', () => {
    expect(parseIceUrl('stun:stun.example.com')).toMatchObject({
      scheme: 'stun',
      host: 'stun.example.com',
      port: 3478,
      transport: 'UDP',
      relay: false,
    });
    expect(parseIceUrl('turn:turn.example.com')).toMatchObject({ port: 3478, transport: 'UDP', relay: true });
    expect(parseIceUrl('turn:turn.example.com:3478?transport=tcp')).toMatchObject({ port: 3478, transport: 'TCP' });
    expect(parseIceUrl('turns:turn.example.com')).toMatchObject({ port: 5349, transport: 'TLS', relay: true });
    expect(parseIceUrl('turns:turn.example.com:443?transport=tcp')).toMatchObject({ port: 443, transport: 'TLS' });
  });

  it('takes IPv4 and bracketed IPv6 hosts, and keeps the URL as given', () => {
    expect(parseIceUrl('turn:203.0.113.7:3478?transport=udp')).toMatchObject({
      host: '203.0.113.7',
      url: 'turn:203.0.113.7:3478?transport=udp',
    });
    expect(parseIceUrl('stun:[2001:db8::1]:19302')).toMatchObject({ host: '2001:db8::1', port: 19302 });
  });

  it('refuses what a browser would refuse', () => {
    for (const bad of [
      '',
      'http://example.com',
      'turn:',
      'turn:host:0',
      'turn:host:70000',
      'stun:host?transport=tcp',
      'turns:host?transport=udp',
      'turn:host?transport=sctp',
      'turn:a b',
    ]) {
      expect(parseIceUrl(bad), bad).toBeUndefined();
    }
  });
});
