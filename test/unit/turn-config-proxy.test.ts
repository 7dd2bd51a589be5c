import { describe, expect, it } from 'vitest';
import { loadTurnConfig, TurnConfigError } from '../../turn/config.js';

const SECRET = 'relay-secret-0123456789';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadTurnConfig({ TURN_SECRET: SECRET, ...env }, '192.0.2.10');
  } catch (error) {
    if (error instanceof TurnConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('relay config: PROXY protocol and the certificate from Caddy', () => {
  it('reads the routers as CIDRs, none by default', () => {
    expect(loadTurnConfig({ TURN_SECRET: SECRET }, '192.0.2.10').proxyProtocolFrom).toEqual([]);
    const config = loadTurnConfig(
      { TURN_SECRET: SECRET, TURN_PROXY_PROTOCOL_FROM: '127.0.0.1, 172.16.0.0/12, ::1' },
      '192.0.2.10',
    );
    expect(config.proxyProtocolFrom).toEqual(['127.0.0.1', '172.16.0.0/12', '::1']);
    expect(problemsOf({ TURN_PROXY_PROTOCOL_FROM: 'haproxy, 10.0.0.0/33' })).toEqual([
      'TURN_PROXY_PROTOCOL_FROM has an invalid CIDR "haproxy"',
      'TURN_PROXY_PROTOCOL_FROM has an invalid CIDR "10.0.0.0/33"',
    ]);
  });

  it("takes Caddy's storage and the domain together, and not beside TURN_TLS_CERT/TURN_TLS_KEY", () => {
    const config = loadTurnConfig(
      { TURN_SECRET: SECRET, TURN_TLS_CADDY_STORAGE: '/caddy-data', TURN_TLS_DOMAIN: 'turn.example.com' },
      '192.0.2.10',
    );
    expect(config).toMatchObject({ tlsCaddyStorage: '/caddy-data', tlsDomain: 'turn.example.com' });
    expect(problemsOf({ TURN_TLS_CADDY_STORAGE: '/caddy-data' })).toEqual([
      'TURN_TLS_CADDY_STORAGE and TURN_TLS_DOMAIN go together',
    ]);
    expect(
      problemsOf({
        TURN_TLS_CADDY_STORAGE: '/caddy-data',
        TURN_TLS_DOMAIN: 'turn.example.com',
        TURN_TLS_CERT: '/etc/cert.pem',
        TURN_TLS_KEY: '/etc/key.pem',
      }),
    ).toEqual(['TURN_TLS_CADDY_STORAGE and TURN_TLS_CERT/TURN_TLS_KEY exclude each other: one certificate source']);
  });

  it('refuses a domain that is no DNS name, since it names a directory', () => {
    for (const domain of ['../../etc', 'turn example.com', 'turn/example.com', '-turn.example.com']) {
      expect(problemsOf({ TURN_TLS_CADDY_STORAGE: '/caddy-data', TURN_TLS_DOMAIN: domain })).toEqual([
        `TURN_TLS_DOMAIN must be a DNS name (e.g. turn.example.com), got "${domain}"`,
      ]);
    }
    expect(problemsOf({ TURN_TLS_CADDY_STORAGE: '/caddy-data', TURN_TLS_DOMAIN: '*.example.com' })).toEqual([]);
  });
});
