import { describe, expect, it } from 'vitest';
import { TurnConfigError, loadTurnConfig } from '../../turn/config.js';

const SECRET = 'relay-secret-0123456789';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadTurnConfig(env, '192.0.2.10');
  } catch (error) {
    if (error instanceof TurnConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('relay config', () => {
  it('reads every variable it documents', () => {
    const config = loadTurnConfig(
      {
        TURN_SECRET: SECRET,
        TURN_REALM: 'example.org',
        TURN_LISTEN_HOST: '127.0.0.1',
        TURN_LISTEN_HOST6: '::1',
        TURN_PORT: '3479',
        TURN_TLS_PORT: '443',
        TURN_TLS_CERT: '/etc/cert.pem',
        TURN_TLS_KEY: '/etc/key.pem',
        TURN_TLS_RELOAD_INTERVAL_MS: '1000',
        TURN_RELAY_ADDRESS: '10.0.0.5',
        TURN_EXTERNAL_IP: '203.0.113.7',
        TURN_RELAY_ADDRESS6: 'fd00::5',
        TURN_EXTERNAL_IP6: '2001:db8::7',
        TURN_ALLOCATION_FAMILY_DEFAULT: 'keep',
        TURN_MIN_PORT: '40000',
        TURN_MAX_PORT: '40100',
        TURN_ALLOWED_PEERS: '127.0.0.0/8, ::1',
        TURN_MAX_ALLOCATIONS: '20',
        TURN_MAX_ALLOCATIONS_PER_USER: '2',
        TURN_MAX_ALLOCATIONS_PER_ADDRESS: '5',
        TURN_MAX_PERMISSIONS_PER_ALLOCATION: '4',
        TURN_MAX_CHANNELS_PER_ALLOCATION: '3',
        TURN_MAX_PERMISSIONS: '40',
        TURN_MAX_CHANNELS: '30',
        TURN_MAX_CONNECTIONS: '50',
        TURN_MAX_CONNECTIONS_PER_ADDRESS: '6',
        TURN_TLS_HANDSHAKE_TIMEOUT_MS: '500',
        TURN_CONNECTION_IDLE_TIMEOUT_MS: '700',
        TURN_DEFAULT_LIFETIME: '60',
        TURN_MAX_LIFETIME: '120',
        TURN_BANDWIDTH_BYTES_PER_SECOND: '5000',
        TURN_NONCE_LIFETIME: '30',
        TURN_SOFTWARE: 'relay',
        TURN_METRICS_HOST: '::1',
        TURN_METRICS_PORT: '9000',
        LOG_LEVEL: 'debug',
      },
      '192.0.2.10',
    );
    expect(config).toEqual({
      secret: SECRET,
      realm: 'example.org',
      listenHost: '127.0.0.1',
      listenHost6: '::1',
      port: 3479,
      tlsPort: 443,
      tlsCert: '/etc/cert.pem',
      tlsKey: '/etc/key.pem',
      tlsCaddyStorage: undefined,
      tlsDomain: undefined,
      proxyProtocolFrom: [],
      tlsReloadIntervalMs: 1000,
      relayAddress: '10.0.0.5',
      externalAddress: '203.0.113.7',
      relayAddress6: 'fd00::5',
      externalAddress6: '2001:db8::7',
      allocationFamilyDefault: 'keep',
      minPort: 40000,
      maxPort: 40100,
      allowedPeers: ['127.0.0.0/8', '::1'],
      maxAllocations: 20,
      maxAllocationsPerUser: 2,
      maxAllocationsPerAddress: 5,
      maxPermissionsPerAllocation: 4,
      maxChannelsPerAllocation: 3,
      maxPermissions: 40,
      maxChannels: 30,
      maxConnections: 50,
      maxConnectionsPerAddress: 6,
      tlsHandshakeTimeoutMs: 500,
      connectionIdleTimeoutMs: 700,
      defaultLifetime: 60,
      maxLifetime: 120,
      bandwidthBytesPerSecond: 5000,
      nonceLifetime: 30,
      software: 'relay',
      metricsHost: '::1',
      metricsPort: 9000,
      logLevel: 'debug',
    });
  });

  it('relays from the machine address it is given unless told otherwise, and tells clients that address', () => {
    expect(loadTurnConfig({ TURN_SECRET: SECRET }, '192.0.2.10')).toMatchObject({
      relayAddress: '192.0.2.10',
      externalAddress: '192.0.2.10',
    });
    expect(loadTurnConfig({ TURN_SECRET: SECRET, TURN_RELAY_ADDRESS: '10.0.0.5' }, '192.0.2.10')).toMatchObject({
      relayAddress: '10.0.0.5',
      externalAddress: '10.0.0.5',
    });
  });

  it('listens on IPv6 everywhere and relays IPv6 from the machine address it is given, unless told off', () => {
    expect(loadTurnConfig({ TURN_SECRET: SECRET }, '192.0.2.10', '2001:db8::10')).toMatchObject({
      listenHost: '0.0.0.0',
      listenHost6: '::',
      relayAddress6: '2001:db8::10',
      externalAddress6: '2001:db8::10',
      allocationFamilyDefault: 'ipv4',
    });
    expect(loadTurnConfig({ TURN_SECRET: SECRET }, '192.0.2.10', undefined)).toMatchObject({
      relayAddress6: undefined,
      externalAddress6: undefined,
    });
    expect(
      loadTurnConfig(
        { TURN_SECRET: SECRET, TURN_LISTEN_HOST6: 'off', TURN_RELAY_ADDRESS6: 'off', TURN_EXTERNAL_IP6: '2001:db8::9' },
        '192.0.2.10',
        '2001:db8::10',
      ),
    ).toMatchObject({ listenHost6: undefined, relayAddress6: undefined, externalAddress6: undefined });
    expect(
      loadTurnConfig({ TURN_SECRET: SECRET, TURN_EXTERNAL_IP6: '2001:db8::9' }, '192.0.2.10', 'fd00::10'),
    ).toMatchObject({ relayAddress6: 'fd00::10', externalAddress6: '2001:db8::9' });
  });

  it('keeps each family in its own variables', () => {
    expect(
      problemsOf({
        TURN_SECRET: SECRET,
        TURN_LISTEN_HOST: '::',
        TURN_LISTEN_HOST6: '0.0.0.0',
        TURN_EXTERNAL_IP: '2001:db8::1',
        TURN_RELAY_ADDRESS6: '10.0.0.1',
        TURN_EXTERNAL_IP6: 'on',
        TURN_ALLOCATION_FAMILY_DEFAULT: 'ipv6',
      }),
    ).toEqual([
      'TURN_LISTEN_HOST6 must be an IPv6 address or off, got "0.0.0.0"',
      'TURN_RELAY_ADDRESS6 must be an IPv6 address or off, got "10.0.0.1"',
      'TURN_EXTERNAL_IP6 must be an IPv6 address or off, got "on"',
      'TURN_ALLOCATION_FAMILY_DEFAULT must be one of ipv4, keep, got "ipv6"',
      'TURN_EXTERNAL_IP must be IPv4: the IPv6 one is TURN_EXTERNAL_IP6',
      'TURN_LISTEN_HOST must be IPv4: IPv6 listeners bind TURN_LISTEN_HOST6',
    ]);
  });

  it('refuses to start without TURN_SECRET, saying what it is for', () => {
    expect(problemsOf({})).toEqual([
      'TURN_SECRET is required: the secret shared with the signaling server (openssl rand -hex 32)',
    ]);
  });

  it('refuses a short TURN_SECRET without printing it', () => {
    const problems = problemsOf({ TURN_SECRET: 'hunter2-secret' });
    expect(problems).toEqual(['TURN_SECRET must be at least 16 characters (e.g. openssl rand -hex 32)']);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('reports every bad variable and every conflict at once', () => {
    expect(
      problemsOf({
        TURN_LISTEN_HOST: 'any',
        TURN_PORT: '70000',
        TURN_TLS_CERT: '/etc/cert.pem',
        TURN_RELAY_ADDRESS: '::1',
        TURN_MIN_PORT: '60000',
        TURN_MAX_PORT: '50000',
        TURN_ALLOWED_PEERS: '10.0.0.0/8, 10.0.0.0/40',
        TURN_DEFAULT_LIFETIME: '3600',
        TURN_MAX_LIFETIME: '600',
        LOG_LEVEL: 'INFO',
      }),
    ).toEqual([
      'TURN_SECRET is required: the secret shared with the signaling server (openssl rand -hex 32)',
      'TURN_LISTEN_HOST must be an IP address, got "any"',
      'TURN_PORT must be an integer from 0 to 65535, got "70000"',
      'TURN_ALLOWED_PEERS has an invalid CIDR "10.0.0.0/40"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "INFO"',
      'TURN_MIN_PORT must not be above TURN_MAX_PORT',
      'TURN_DEFAULT_LIFETIME must not be above TURN_MAX_LIFETIME',
      'TURN_TLS_CERT and TURN_TLS_KEY go together',
      'TURN_RELAY_ADDRESS must be IPv4: IPv6 relay sockets bind TURN_RELAY_ADDRESS6',
    ]);
  });

  it('compares two variables only when both were read, so one bad value is one problem', () => {
    expect(problemsOf({ TURN_SECRET: SECRET, TURN_MIN_PORT: '99999', TURN_MAX_PORT: '2000' })).toEqual([
      'TURN_MIN_PORT must be an integer from 1024 to 65535, got "99999"',
    ]);
    expect(problemsOf({ TURN_SECRET: SECRET, TURN_DEFAULT_LIFETIME: '600', TURN_MAX_LIFETIME: '1' })).toEqual([
      'TURN_MAX_LIFETIME must be an integer from 30 to 3600, got "1"',
    ]);
  });
});
