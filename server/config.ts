/**
 * The server's configuration: read from the environment once, every variable
 * validated, every error reported together. Nothing else reads `process.env`.
 * docs/configuration.md documents each variable; keep the two in step.
 */
import { isIP } from 'node:net';

export interface Config {
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Whose X-Forwarded-For to believe: false (nobody), a hop count, or the
   * proxies' addresses/CIDRs; true believes every hop (only behind a proxy
   * that overwrites the header).
   */
  trustProxy: boolean | number | string[];
  /** `'*'` for open embedding; an empty list means same-origin only. */
  allowedOrigins: '*' | string[];
  /**
   * The origin users open (`https://calls.example.com`). When set, it is the
   * only same origin, and its host name fills `{host}` in ICE URLs; when not,
   * same-origin is judged from the Host header, for hosts DNS cannot rebind.
   */
  publicUrl: string | undefined;
  roomCapacity: number;
  maxFrameBytes: number;
  /** Inbound frames and bytes, per socket and per client address (origin/proxy rules as for connections). */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  rateLimitBytesPerSecond: number;
  rateLimitBytesBurst: number;
  rateLimitPerSecondPerIp: number;
  rateLimitBurstPerIp: number;
  rateLimitBytesPerSecondPerIp: number;
  rateLimitBytesBurstPerIp: number;
  /** WebSocket upgrades one client address may make per minute (a minute's worth at once). */
  upgradesPerMinutePerIp: number;
  /** How long a socket we close may take to answer the close frame before it is cut. */
  closeTimeoutMs: number;
  /** Time a request has to arrive whole, headers included. */
  requestTimeoutMs: number;
  /** Connections from one TCP address whose first request has not arrived whole yet. */
  maxPendingRequestsPerIp: number;
  joinTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxBufferedBytes: number;
  shutdownGraceMs: number;
  /** `{host}` in a URL stands for the host name the client reached this server by. */
  stunUrls: string[];
  turnUrls: string[];
  /** Shared with the TURN relay (ours, or coturn's static-auth-secret). Required with turnUrls. */
  turnSecret: string | undefined;
  /** Lifetime of the ICE servers handed out, and so of their TURN credentials. */
  iceTtlSeconds: number;
  /** GET /api/ice-servers requests per minute per client address. */
  iceServersRateLimit: number;
  staticDir: string;
  /**
   * Signs resume tokens. When unset, app.ts generates one at start, and
   * clients get new peer ids (so calls renegotiate) after a restart.
   */
  sessionSecret: string | undefined;
  resumeLifetimeSeconds: number;
  /** Peer ids whose latest resume token is remembered; beyond it the oldest is forgotten. */
  maxResumablePeers: number;
}

export const defaults: Config = {
  host: '0.0.0.0',
  port: 8080,
  logLevel: 'info',
  trustProxy: false,
  allowedOrigins: [],
  publicUrl: undefined,
  roomCapacity: 2,
  maxFrameBytes: 64 * 1024,
  rateLimitPerSecond: 50,
  rateLimitBurst: 200,
  rateLimitBytesPerSecond: 64 * 1024,
  rateLimitBytesBurst: 512 * 1024,
  rateLimitPerSecondPerIp: 200,
  rateLimitBurstPerIp: 1600,
  rateLimitBytesPerSecondPerIp: 512 * 1024,
  rateLimitBytesBurstPerIp: 4 * 1024 * 1024,
  upgradesPerMinutePerIp: 120,
  closeTimeoutMs: 2_000,
  requestTimeoutMs: 10_000,
  maxPendingRequestsPerIp: 128,
  joinTimeoutMs: 10_000,
  heartbeatIntervalMs: 10_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 64,
  maxBufferedBytes: 1024 * 1024,
  shutdownGraceMs: 5_000,
  stunUrls: [],
  turnUrls: [],
  turnSecret: undefined,
  iceTtlSeconds: 600,
  iceServersRateLimit: 30,
  staticDir: 'web/dist',
  sessionSecret: undefined,
  resumeLifetimeSeconds: 86_400,
  maxResumablePeers: 50_000,
};

export const MAX_ROOM_CAPACITY = 8;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads the environment into a Config, or throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const config: Config = {
    host: read.string('HOST', defaults.host),
    port: read.integer('PORT', defaults.port, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, defaults.logLevel),
    trustProxy: read.trustProxy('TRUST_PROXY'),
    allowedOrigins: read.origins('ALLOWED_ORIGINS'),
    publicUrl: read.origin('PUBLIC_URL'),
    roomCapacity: read.integer('ROOM_CAPACITY', defaults.roomCapacity, 2, MAX_ROOM_CAPACITY),
    maxFrameBytes: read.integer('MAX_FRAME_BYTES', defaults.maxFrameBytes, 1024, 1024 * 1024),
    rateLimitPerSecond: read.integer('RATE_LIMIT_PER_SECOND', defaults.rateLimitPerSecond, 1, 1_000_000),
    rateLimitBurst: read.integer('RATE_LIMIT_BURST', defaults.rateLimitBurst, 1, 1_000_000),
    rateLimitBytesPerSecond: read.integer('RATE_LIMIT_BYTES_PER_SECOND', defaults.rateLimitBytesPerSecond, 1024, 1024 ** 3),
    rateLimitBytesBurst: read.integer('RATE_LIMIT_BYTES_BURST', defaults.rateLimitBytesBurst, 1024, 1024 ** 3),
    rateLimitPerSecondPerIp: read.integer('RATE_LIMIT_PER_SECOND_PER_IP', defaults.rateLimitPerSecondPerIp, 1, 1_000_000),
    rateLimitBurstPerIp: read.integer('RATE_LIMIT_BURST_PER_IP', defaults.rateLimitBurstPerIp, 1, 1_000_000),
    rateLimitBytesPerSecondPerIp: read.integer('RATE_LIMIT_BYTES_PER_SECOND_PER_IP', defaults.rateLimitBytesPerSecondPerIp, 1024, 1024 ** 3),
    rateLimitBytesBurstPerIp: read.integer('RATE_LIMIT_BYTES_BURST_PER_IP', defaults.rateLimitBytesBurstPerIp, 1024, 1024 ** 3),
    upgradesPerMinutePerIp: read.integer('UPGRADES_PER_MINUTE_PER_IP', defaults.upgradesPerMinutePerIp, 1, 1_000_000),
    closeTimeoutMs: read.integer('CLOSE_TIMEOUT_MS', defaults.closeTimeoutMs, 100, 60_000),
    requestTimeoutMs: read.integer('REQUEST_TIMEOUT_MS', defaults.requestTimeoutMs, 1_000, 600_000),
    maxPendingRequestsPerIp: read.integer('MAX_PENDING_REQUESTS_PER_IP', defaults.maxPendingRequestsPerIp, 1, 1_000_000),
    joinTimeoutMs: read.integer('JOIN_TIMEOUT_MS', defaults.joinTimeoutMs, 100, 600_000),
    heartbeatIntervalMs: read.integer('HEARTBEAT_INTERVAL_MS', defaults.heartbeatIntervalMs, 100, 600_000),
    maxConnections: read.integer('MAX_CONNECTIONS', defaults.maxConnections, 1, 1_000_000),
    maxConnectionsPerIp: read.integer('MAX_CONNECTIONS_PER_IP', defaults.maxConnectionsPerIp, 1, 1_000_000),
    maxBufferedBytes: read.integer('MAX_BUFFERED_BYTES', defaults.maxBufferedBytes, 64 * 1024, 1024 ** 3),
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', defaults.shutdownGraceMs, 0, 60_000),
    stunUrls: read.urls('STUN_URLS', /^stuns?:[^\s,]+$/),
    turnUrls: read.urls('TURN_URLS', /^turns?:[^\s,]+$/),
    turnSecret: read.secret('TURN_SECRET', 16),
    iceTtlSeconds: read.integer('ICE_TTL_SECONDS', defaults.iceTtlSeconds, 60, 86_400),
    iceServersRateLimit: read.integer('ICE_SERVERS_RATE_LIMIT', defaults.iceServersRateLimit, 1, 100_000),
    staticDir: read.string('STATIC_DIR', defaults.staticDir),
    sessionSecret: read.secret('SESSION_SECRET', 32),
    resumeLifetimeSeconds: read.integer('RESUME_LIFETIME_SECONDS', defaults.resumeLifetimeSeconds, 60, 30 * 86_400),
    maxResumablePeers: read.integer('MAX_RESUMABLE_PEERS', defaults.maxResumablePeers, 1, 10_000_000),
  };

  // A frame of the largest allowed size must fit in each byte burst, or a legitimate one would always wait.
  for (const [name, burst] of [
    ['RATE_LIMIT_BYTES_BURST', config.rateLimitBytesBurst],
    ['RATE_LIMIT_BYTES_BURST_PER_IP', config.rateLimitBytesBurstPerIp],
  ] as const) {
    if (burst < config.maxFrameBytes) problems.push(`${name} (${burst}) must be at least MAX_FRAME_BYTES (${config.maxFrameBytes})`);
  }

  if (config.turnUrls.length > 0 && config.turnSecret === undefined) {
    problems.push('TURN_URLS needs TURN_SECRET, the secret the TURN relay checks credentials with');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

class Reader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return parsed;
  }

  secret(name: string, minLength: number): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && value.length < minLength) {
      // Never echo a secret, even a bad one.
      this.problems.push(`${name} must be at least ${minLength} characters (e.g. openssl rand -hex 32)`);
    }
    return value;
  }

  trustProxy(name: string): Config['trustProxy'] {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined || value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d{1,2}$/.test(value)) return Number(value);
    const items = this.list(name);
    for (const item of items) {
      if (!isAddressOrCidr(item)) {
        this.problems.push(`${name} must be true, false, a hop count or a comma list of proxy addresses/CIDRs, got "${item}"`);
        return false;
      }
    }
    return items;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    return fallback;
  }

  private list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  urls(name: string, pattern: RegExp): string[] {
    const items = this.list(name);
    for (const item of items) {
      if (!pattern.test(item)) this.problems.push(`${name} has an invalid URL "${item}"`);
    }
    return items;
  }

  origin(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const origin = parseOrigin(value);
    if (origin === undefined) {
      this.problems.push(`${name} must be the http(s) URL users open, with no path, like https://calls.example.com, got "${value}"`);
    }
    return origin;
  }

  origins(name: string): '*' | string[] {
    const items = this.list(name);
    if (items.length === 1 && items[0] === '*') return '*';
    const origins: string[] = [];
    for (const item of items) {
      const origin = parseOrigin(item);
      if (origin === undefined) {
        this.problems.push(`${name} must be "*" or a comma list of origins like https://app.example.com, got "${item}"`);
      } else {
        origins.push(origin);
      }
    }
    return origins;
  }
}

function isAddressOrCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Normalises `https://Example.com:443/` to `https://example.com`; undefined if not an http(s) origin. */
export function parseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return undefined;
    if (url.username !== '' || url.password !== '') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}
