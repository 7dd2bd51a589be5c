import { describe, expect, it } from 'vitest';
import { issueTurnCredential } from '../../server/turn-credentials.js';
import { restUsernameExpiry, turnPassword } from '../../protocol/turn-rest.js';
import { createIceServers } from '../../server/ice-servers.js';
import { loadConfig } from '../../server/config.js';

const NOW = 1_800_000_000_000;

// Vectors computed once, outside the code under test, with
//   printf %s "$username" | openssl dgst -sha1 -hmac "$secret" -binary | base64
// and pinned as literals (as pion/turn's lt_cred_test.go does), so a change to the HMAC, the key or the encoding fails.
const PEER_7_AT_600 = 'HRDmQ6bOjTptMGWYi3hBGzV6/so=';
const PEER_7_AT_120 = 'D/GmtR97/lNE/WrsE4lsonk20c8=';

describe('TURN REST credentials', () => {
  it('name the expiry and the user, and sign the username with HMAC-SHA1 of the secret', () => {
    const credential = issueTurnCredential('north-wind-secret', 600, 'peer-7', NOW);
    expect(credential).toEqual({
      username: '1800000600:peer-7',
      password: PEER_7_AT_600,
      ttl: 600,
    });
  });

  it('match coturn use-auth-secret on a known pair', () => {
    // base64(HMAC-SHA1("secret", "1433895918:user")), from openssl as above.
    expect(turnPassword('secret', '1433895918:user')).toBe('duY86vsmGEXM+Ma7pGS//SXJIv0=');
  });

  it('read the expiry back from a REST username only', () => {
    expect(restUsernameExpiry('1800000600:peer-7')).toBe(1_800_000_600);
    for (const bad of ['peer-7', ':peer', '12ab:peer', '1800000600:', '__proto__', 'constructor'])
      expect(restUsernameExpiry(bad)).toBeUndefined();
  });
});

describe('ICE servers', () => {
  const config = loadConfig({
    STUN_URLS: 'stun:{host}:3478',
    TURN_URLS: 'turn:{host}:3478?transport=udp,turns:relay.example.com:443?transport=tcp',
    TURN_SECRET: 'north-wind-secret',
    ICE_TTL_SECONDS: '120',
  });

  it('fill {host} with the host the client used, and add TURN with fresh credentials', () => {
    const servers = createIceServers(config, () => NOW)('calls.example.com:8443', 'peer-7');
    expect(servers).toEqual({
      username: '1800000120:peer-7',
      password: PEER_7_AT_120,
      ttl: 120,
      uris: ['turn:calls.example.com:3478?transport=udp', 'turns:relay.example.com:443?transport=tcp'],
      iceServers: [
        { urls: ['stun:calls.example.com:3478'] },
        {
          urls: ['turn:calls.example.com:3478?transport=udp', 'turns:relay.example.com:443?transport=tcp'],
          username: '1800000120:peer-7',
          credential: PEER_7_AT_120,
        },
      ],
    });
  });

  it('keep IPv6 hosts bracketed and take only the host name from a Host header', () => {
    const servers = createIceServers(config, () => NOW);
    expect(servers('[::1]:8080', 'p').uris[0]).toBe('turn:[::1]:3478?transport=udp');
    expect(servers('evil.example/?transport=tcp#', 'p').uris[0]).toBe('turn:evil.example:3478?transport=udp');
    expect(servers('bad host', 'p').uris[0]).toBe('turn:localhost:3478?transport=udp');
  });

  it('hand out STUN only when no TURN is configured', () => {
    const servers = createIceServers(loadConfig({ STUN_URLS: 'stun:stun.example.com:3478' }))('h', 'p');
    expect(servers).toEqual({ ttl: 600, uris: [], iceServers: [{ urls: ['stun:stun.example.com:3478'] }] });
  });
});
