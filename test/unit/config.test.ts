import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, serverEnv } from '../../server/config.js';
import { makeKeyPair, publicKeysFile } from '../helpers/tokens.js';
import { serverConfigProblems } from '../helpers/config-problems.js';

const problemsOf = serverConfigProblems;

describe('config', () => {
  it('reads a blank or all-space variable as unset', () => {
    const names = Object.values(serverEnv).map((variable) => variable.name);
    const blank = Object.fromEntries(names.map((name, index) => [name, index % 2 === 0 ? '' : ' \t ']));
    expect(loadConfig(blank)).toEqual(loadConfig({}));
  });

  it('reads every variable it declares', async () => {
    const keysFile = await publicKeysFile([await makeKeyPair('ES256', 'site-1')]);
    const env = {
      HOST: '127.0.0.1',
      PORT: '9000',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'true',
      ALLOWED_ORIGINS: 'https://a.example, https://B.example:443/',
      PUBLIC_URL: 'https://Calls.Example.com:443/',
      ROOM_CAPACITY: '4',
      MAX_FRAME_BYTES: '2048',
      RATE_LIMIT_PER_SECOND: '5',
      RATE_LIMIT_BURST: '10',
      RATE_LIMIT_BYTES_PER_SECOND: '4096',
      RATE_LIMIT_BYTES_BURST: '8192',
      RATE_LIMIT_PER_SECOND_PER_IP: '20',
      RATE_LIMIT_BURST_PER_IP: '40',
      RATE_LIMIT_BYTES_PER_SECOND_PER_IP: '16384',
      RATE_LIMIT_BYTES_BURST_PER_IP: '32768',
      UPGRADES_PER_MINUTE_PER_IP: '30',
      CLOSE_TIMEOUT_MS: '500',
      REQUEST_TIMEOUT_MS: '5000',
      MAX_PENDING_REQUESTS_PER_IP: '8',
      JOIN_TIMEOUT_MS: '1000',
      HEARTBEAT_INTERVAL_MS: '500',
      MAX_CONNECTIONS: '3',
      MAX_CONNECTIONS_PER_IP: '2',
      MAX_BUFFERED_BYTES: '65536',
      SHUTDOWN_GRACE_MS: '0',
      STUN_URLS: 'stun:stun.example.com:3478',
      TURN_URLS: 'turn:{host}:3478?transport=udp,turns:turn.example.com:443?transport=tcp',
      TURN_SECRET: 'a-turn-secret-of-some-length',
      ICE_TTL_SECONDS: '300',
      ICE_SERVERS_RATE_LIMIT: '10',
      STATIC_DIR: '/srv/web',
      SESSION_SECRET: 'x'.repeat(32),
      RESUME_LIFETIME_SECONDS: '3600',
      MAX_RESUMABLE_PEERS: '1000',
      ROOM_ACCESS: 'token',
      ROOM_TOKEN_SECRET: 'r'.repeat(32),
      ROOM_TOKEN_PUBLIC_KEYS: keysFile,
      ROOM_TOKEN_MAX_LIFETIME_SECONDS: '7200',
      ROOM_TOKEN_ISSUER: 'https://app.example.com',
      ROOM_TOKEN_AUDIENCE: 'calls',
      REDIS_URL: 'redis://:pw@redis.internal:6379/1',
      NODE_ID: 'app-2',
      CLUSTER_HEARTBEAT_MS: '500',
    };
    expect(Object.keys(env).sort()).toEqual(
      Object.values(serverEnv)
        .map((variable) => variable.name)
        .sort(),
    );
    expect(loadConfig(env)).toEqual({
      host: '127.0.0.1',
      port: 9000,
      logLevel: 'warn',
      trustProxy: true,
      allowedOrigins: ['https://a.example', 'https://b.example'],
      publicUrl: 'https://calls.example.com',
      roomCapacity: 4,
      maxFrameBytes: 2048,
      rateLimitPerSecond: 5,
      rateLimitBurst: 10,
      rateLimitBytesPerSecond: 4096,
      rateLimitBytesBurst: 8192,
      rateLimitPerSecondPerIp: 20,
      rateLimitBurstPerIp: 40,
      rateLimitBytesPerSecondPerIp: 16384,
      rateLimitBytesBurstPerIp: 32768,
      upgradesPerMinutePerIp: 30,
      closeTimeoutMs: 500,
      requestTimeoutMs: 5000,
      maxPendingRequestsPerIp: 8,
      joinTimeoutMs: 1000,
      heartbeatIntervalMs: 500,
      maxConnections: 3,
      maxConnectionsPerIp: 2,
      maxBufferedBytes: 65536,
      shutdownGraceMs: 0,
      stunUrls: ['stun:stun.example.com:3478'],
      turnUrls: ['turn:{host}:3478?transport=udp', 'turns:turn.example.com:443?transport=tcp'],
      turnSecret: 'a-turn-secret-of-some-length',
      iceTtlSeconds: 300,
      iceServersRateLimit: 10,
      staticDir: '/srv/web',
      sessionSecret: 'x'.repeat(32),
      resumeLifetimeSeconds: 3600,
      maxResumablePeers: 1000,
      roomAccess: 'token',
      roomTokenSecret: 'r'.repeat(32),
      roomTokenPublicKeys: { file: keysFile, keys: [expect.objectContaining({ kid: 'site-1', alg: 'ES256' })] },
      roomTokenMaxLifetimeSeconds: 7200,
      roomTokenIssuer: 'https://app.example.com',
      roomTokenAudience: 'calls',
      redisUrl: 'redis://:pw@redis.internal:6379/1',
      nodeId: 'app-2',
      clusterHeartbeatMs: 500,
    });
  });

  it('reads TRUST_PROXY as a boolean, a hop count or a list of proxy addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'FALSE' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '99' }).trustProxy).toBe(99);
    expect(() => loadConfig({ TRUST_PROXY: '100' })).toThrow(/TRUST_PROXY must be true, false, a hop count/);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.2, 172.16.0.0/12,::1' }).trustProxy).toEqual([
      '10.0.0.2',
      '172.16.0.0/12',
      '::1',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.com' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  });

  it('reads a TRUST_PROXY hop count of 0 as false, since no hop is believed either way', () => {
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '00' }).trustProxy).toBe(false);
  });

  it('refuses origins with a path, credentials or another scheme', () => {
    for (const origin of ['https://a.example/app', 'https://:pw@a.example', 'https://u@a.example', 'ftp://a.example']) {
      expect(() => loadConfig({ ALLOWED_ORIGINS: origin })).toThrow(/ALLOWED_ORIGINS/);
    }
  });

  it('takes PUBLIC_URL as an origin, and refuses one with a path or another scheme', () => {
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:8080/' }).publicUrl).toBe('http://localhost:8080');
    for (const url of ['https://calls.example.com/app', 'calls.example.com', 'wss://calls.example.com']) {
      expect(() => loadConfig({ PUBLIC_URL: url })).toThrow(/PUBLIC_URL must be the http\(s\) URL users open/);
    }
  });

  it('refuses a byte burst smaller than the largest frame, which could then never pass without waiting', () => {
    expect(() => loadConfig({ MAX_FRAME_BYTES: '131072', RATE_LIMIT_BYTES_BURST: '65536' })).toThrow(
      /RATE_LIMIT_BYTES_BURST \(65536\) must be at least MAX_FRAME_BYTES \(131072\)/,
    );
    expect(() => loadConfig({ MAX_FRAME_BYTES: '131072', RATE_LIMIT_BYTES_BURST_PER_IP: '65536' })).toThrow(
      /RATE_LIMIT_BYTES_BURST_PER_IP/,
    );
  });

  it('checks a byte burst against MAX_FRAME_BYTES only when both are valid, so one bad value is one problem', () => {
    expect(problemsOf({ MAX_FRAME_BYTES: '2000000', RATE_LIMIT_BYTES_BURST: '32768' })).toEqual([
      'MAX_FRAME_BYTES must be an integer from 1024 to 1048576, got "2000000"',
    ]);
    expect(problemsOf({ TURN_URLS: 'turn:t.example.com', TURN_SECRET: 'short' })).toEqual([
      'TURN_SECRET must be at least 16 characters (e.g. openssl rand -hex 32)',
    ]);
  });

  it('accepts * for open embedding', () => {
    expect(loadConfig({ ALLOWED_ORIGINS: '*' }).allowedOrigins).toBe('*');
  });

  it('reports every bad variable at once, each naming the variable, what it accepts and what it got', () => {
    const env = {
      PORT: 'eighty',
      ROOM_CAPACITY: '9',
      LOG_LEVEL: 'loud',
      TRUST_PROXY: 'maybe',
      ALLOWED_ORIGINS: 'app.example.com, https://ok.example, ftp://b.example',
      PUBLIC_URL: 'calls.example.com',
      STUN_URLS: 'http://stun.example.com',
      TURN_URLS: 'turn:ok.example.com, stun:wrong.example.com',
    };
    expect(problemsOf(env)).toEqual([
      'PORT must be an integer from 0 to 65535, got "eighty"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'TRUST_PROXY must be true, false, a hop count or a comma list of proxy addresses/CIDRs, got "maybe"',
      'ALLOWED_ORIGINS must be "*" or a comma list of origins like https://app.example.com, got "app.example.com"',
      'ALLOWED_ORIGINS must be "*" or a comma list of origins like https://app.example.com, got "ftp://b.example"',
      'PUBLIC_URL must be the http(s) URL users open, with no path, like https://calls.example.com, got "calls.example.com"',
      'ROOM_CAPACITY must be an integer from 2 to 8, got "9"',
      'STUN_URLS has an invalid URL "http://stun.example.com"',
      'TURN_URLS has an invalid URL "stun:wrong.example.com"',
    ]);
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });

  it('refuses TURN_URLS without TURN_SECRET', () => {
    expect(() => loadConfig({ TURN_URLS: 'turn:turn.example.com:3478' })).toThrow(/TURN_URLS needs TURN_SECRET/);
  });

  it('refuses short secrets without printing them', () => {
    expect(() => loadConfig({ SESSION_SECRET: 'hunter2' })).toThrow(/SESSION_SECRET must be at least 32/);
    expect(() => loadConfig({ SESSION_SECRET: 'hunter2' })).not.toThrow(/hunter2/);
    const secrets = { TURN_SECRET: 'swordfish-12345', SESSION_SECRET: 'x'.repeat(31) };
    const problems = problemsOf({ TURN_URLS: 'turn:t.example.com', ...secrets });
    expect(problems).toEqual([
      'TURN_SECRET must be at least 16 characters (e.g. openssl rand -hex 32)',
      'SESSION_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)',
    ]);
    expect(problems.join('\n')).not.toMatch(/swordfish|x{31}/);
  });

  it('refuses a REDIS_URL that is not redis:// or rediss:// without printing it, and one without SESSION_SECRET', () => {
    for (const url of ['http://:hunter2@redis:6379', 'redis//:hunter2@redis', 'rediss://:hunter2@']) {
      const problems = problemsOf({ REDIS_URL: url });
      expect(problems).toEqual([expect.stringMatching(/^REDIS_URL must be a URL like redis:\/\//)]);
      expect(problems.join('\n')).not.toContain('hunter2');
    }
    expect(problemsOf({ REDIS_URL: 'redis://redis:6379' })).toEqual([
      'REDIS_URL needs SESSION_SECRET, the same on every node, so that a client resumes on any of them',
    ]);
    expect(
      loadConfig({ REDIS_URL: 'rediss://:hunter2@redis.internal:6380/0', SESSION_SECRET: 's'.repeat(32) }).redisUrl,
    ).toBe('rediss://:hunter2@redis.internal:6380/0');
  });

  it('names a node by its host and a random suffix unless NODE_ID is set, and refuses one unfit for keys and labels', () => {
    // Drawn once per process, so a node keeps its name for as long as it runs.
    expect(loadConfig({}).nodeId).toMatch(/^[A-Za-z0-9_.-]+-[0-9a-f]{6}$/);
    expect(loadConfig({}).nodeId).toBe(loadConfig({}).nodeId);
    expect(problemsOf({ NODE_ID: 'a b' })).toEqual([expect.stringMatching(/^NODE_ID must be letters, digits/)]);
    expect(problemsOf({ NODE_ID: 'n'.repeat(65) })).toHaveLength(1);
  });

  it('refuses negative and fractional numbers', () => {
    expect(() => loadConfig({ MAX_FRAME_BYTES: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ JOIN_TIMEOUT_MS: '1.5' })).toThrow(ConfigError);
  });
});
