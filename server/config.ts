/**
 * The server's configuration: every variable declared once (serverEnv), read
 * from the environment once by the shared reader (env/), every error reported
 * together. Nothing else reads `process.env`. docs/configuration.md documents
 * each variable; test/unit/config-docs.test.ts keeps the two in step.
 */
import { checked, integer, isAddressOrCidr, list, listItems, oneOf, secret, text, urlItem } from '../env/kinds.js';
import { logLevel } from '../env/log-level.js';
import { defaultsOf, problemReport, readEnv, type Env } from '../env/read-env.js';
import { variable, type Kind } from '../env/variable.js';
import { readPublicKeys, type PublicKeys } from './access/public-keys.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

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
  /** `open`: anyone who knows a room's name may join it; `token`: every join needs a room token. */
  roomAccess: 'open' | 'token';
  /** Verifies HS256 room tokens. */
  roomTokenSecret: string | undefined;
  /** Verify ES256/EdDSA room tokens, chosen by `kid`; read from their file at start. */
  roomTokenPublicKeys: PublicKeys | undefined;
  /** Longest a room token may be valid for, from its `iat` (or from now). */
  roomTokenMaxLifetimeSeconds: number;
  /** When set, a room token's `iss` must be this. */
  roomTokenIssuer: string | undefined;
  /** When set, a room token's `aud` must name this. */
  roomTokenAudience: string | undefined;
  /** Shared mode: rooms live in this Redis, and any number of nodes serve them (docs/scaling.md). */
  redisUrl: string | undefined;
  /** This node's name among the nodes sharing a Redis: in its keys, logs and metric labels. */
  nodeId: string;
  /** How often a node renews its liveness in Redis; a node silent for two intervals is dead. */
  clusterHeartbeatMs: number;
}

export const MAX_ROOM_CAPACITY = 8;

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

const publicUrl: Kind<string> = {
  parse: (text) =>
    checked(text, parseOrigin(text), 'the http(s) URL users open, with no path, like https://calls.example.com'),
};

const allowedOrigins: Kind<Config['allowedOrigins']> = {
  parse: (text) => {
    const items = listItems(text);
    if (items.length === 1 && items[0] === '*') return { value: '*' };
    const origins = items.map(parseOrigin);
    const bad = items.filter((_, index) => origins[index] === undefined);
    if (bad.length > 0) {
      const expected = 'must be "*" or a comma list of origins like https://app.example.com';
      return { problems: bad.map((item) => `${expected}, got "${item}"`) };
    }
    return { value: origins.filter((origin) => origin !== undefined) };
  },
};

const trustProxy: Kind<Config['trustProxy']> = {
  words: ['false', '0', 'true'],
  range: { min: 1, max: 99 },
  parse: (text) => {
    const word = text.toLowerCase();
    // Zero hops believes no X-Forwarded-* header, exactly as false does (Fastify asks the trust
    // function about hop 0 before reading X-Forwarded-Host/-Proto); 0 is a common way to write "off".
    if (word === 'false' || /^0{1,2}$/.test(word)) return { value: false };
    if (word === 'true') return { value: true };
    if (/^\d{1,2}$/.test(word)) return { value: Number(word) };
    const items = listItems(text);
    const bad = items.find((item) => !isAddressOrCidr(item));
    if (bad === undefined) return { value: items };
    return { problems: [`must be true, false, a hop count or a comma list of proxy addresses/CIDRs, got "${bad}"`] };
  },
};

const publicKeys: Kind<PublicKeys> = { parse: readPublicKeys };

/** redis:// or rediss:// with a host. It may hold a password, so a problem never repeats the text. */
const redisUrl: Kind<string> = {
  parse: (text) => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url !== undefined && (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '') {
      return { value: text };
    }
    return {
      problems: ['must be a URL like redis://redis:6379 or rediss://:password@host:6380/0 (not repeated here)'],
    };
  },
};

/** Goes into Redis keys and metric labels: short, and nothing that needs escaping. */
const nodeId: Kind<string> = {
  parse: (text) =>
    checked(text, /^[A-Za-z0-9_.-]{1,64}$/.test(text) ? text : undefined, 'letters, digits, . _ - (at most 64)'),
};

function defaultNodeId(): string {
  const name = hostname()
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, 48);
  return `${name}-${randomBytes(3).toString('hex')}`;
}

const KIB = 1024;
const GIB = 1024 ** 3;

export const serverEnv = {
  host: text('HOST', { default: '0.0.0.0', doc: 'Address to listen on.' }),
  port: integer('PORT', { min: 0, max: 65535, default: 8080, doc: 'TCP port to listen on.' }),
  logLevel,
  trustProxy: variable('TRUST_PROXY', trustProxy, {
    default: false,
    doc: 'Whose X-Forwarded-* headers to believe: nobody, a hop count, every hop, or the listed proxies.',
  }),
  allowedOrigins: variable('ALLOWED_ORIGINS', allowedOrigins, {
    default: [],
    doc: 'Which web pages may open a signaling socket, besides the same origin.',
  }),
  publicUrl: variable('PUBLIC_URL', publicUrl, {
    default: undefined,
    doc: 'The origin users open; its host name fills {host} in ICE URLs.',
  }),
  roomCapacity: integer('ROOM_CAPACITY', {
    min: 2,
    max: MAX_ROOM_CAPACITY,
    default: 2,
    doc: 'Most peers in one room.',
  }),
  maxFrameBytes: integer('MAX_FRAME_BYTES', {
    min: KIB,
    max: 1024 * KIB,
    default: 64 * KIB,
    doc: 'Largest inbound signaling frame, in bytes.',
  }),
  rateLimitPerSecond: integer('RATE_LIMIT_PER_SECOND', {
    min: 1,
    max: 1_000_000,
    default: 50,
    doc: 'Sustained inbound frames per second per socket.',
  }),
  rateLimitBurst: integer('RATE_LIMIT_BURST', {
    min: 1,
    max: 1_000_000,
    default: 200,
    doc: 'Frames a socket may send at once.',
  }),
  rateLimitBytesPerSecond: integer('RATE_LIMIT_BYTES_PER_SECOND', {
    min: KIB,
    max: GIB,
    default: 64 * KIB,
    doc: 'Sustained inbound bytes per second per socket.',
  }),
  rateLimitBytesBurst: integer('RATE_LIMIT_BYTES_BURST', {
    min: KIB,
    max: GIB,
    default: 512 * KIB,
    doc: 'Bytes a socket may send at once.',
  }),
  rateLimitPerSecondPerIp: integer('RATE_LIMIT_PER_SECOND_PER_IP', {
    min: 1,
    max: 1_000_000,
    default: 200,
    doc: 'Sustained inbound frames per second per client address.',
  }),
  rateLimitBurstPerIp: integer('RATE_LIMIT_BURST_PER_IP', {
    min: 1,
    max: 1_000_000,
    default: 1600,
    doc: 'Frames a client address may send at once.',
  }),
  rateLimitBytesPerSecondPerIp: integer('RATE_LIMIT_BYTES_PER_SECOND_PER_IP', {
    min: KIB,
    max: GIB,
    default: 512 * KIB,
    doc: 'Sustained inbound bytes per second per client address.',
  }),
  rateLimitBytesBurstPerIp: integer('RATE_LIMIT_BYTES_BURST_PER_IP', {
    min: KIB,
    max: GIB,
    default: 4096 * KIB,
    doc: 'Bytes a client address may send at once.',
  }),
  upgradesPerMinutePerIp: integer('UPGRADES_PER_MINUTE_PER_IP', {
    min: 1,
    max: 1_000_000,
    default: 120,
    doc: 'WebSocket upgrades per minute per client address.',
  }),
  closeTimeoutMs: integer('CLOSE_TIMEOUT_MS', {
    min: 100,
    max: 60_000,
    default: 2_000,
    doc: 'Time a socket the server closes has to answer the close frame.',
  }),
  requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', {
    min: 1_000,
    max: 600_000,
    default: 10_000,
    doc: 'Time an HTTP request has to arrive whole.',
  }),
  maxPendingRequestsPerIp: integer('MAX_PENDING_REQUESTS_PER_IP', {
    min: 1,
    max: 1_000_000,
    default: 128,
    doc: 'Connections from one TCP address whose first request is not in yet.',
  }),
  joinTimeoutMs: integer('JOIN_TIMEOUT_MS', {
    min: 100,
    max: 600_000,
    default: 10_000,
    doc: 'Time a socket has to join, after connecting and after each leave.',
  }),
  heartbeatIntervalMs: integer('HEARTBEAT_INTERVAL_MS', {
    min: 100,
    max: 600_000,
    default: 10_000,
    doc: "Interval of the server's WebSocket pings.",
  }),
  maxConnections: integer('MAX_CONNECTIONS', {
    min: 1,
    max: 1_000_000,
    default: 10_000,
    doc: 'Most open signaling sockets.',
  }),
  maxConnectionsPerIp: integer('MAX_CONNECTIONS_PER_IP', {
    min: 1,
    max: 1_000_000,
    default: 64,
    doc: 'Most open signaling sockets per client address.',
  }),
  maxBufferedBytes: integer('MAX_BUFFERED_BYTES', {
    min: 64 * KIB,
    max: GIB,
    default: 1024 * KIB,
    doc: 'Most bytes queued for a socket that is not reading.',
  }),
  shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', {
    min: 0,
    max: 60_000,
    default: 5_000,
    doc: 'How long shutdown waits for clients to close their sockets.',
  }),
  stunUrls: list('STUN_URLS', urlItem('stun', 'stuns'), { doc: 'STUN servers handed to clients.' }),
  turnUrls: list('TURN_URLS', urlItem('turn', 'turns'), { doc: 'TURN relays handed to clients, with credentials.' }),
  turnSecret: secret('TURN_SECRET', { minLength: 16, doc: 'Signs TURN credentials; shared with the relay.' }),
  iceTtlSeconds: integer('ICE_TTL_SECONDS', {
    min: 30,
    max: 86_400,
    default: 600,
    doc: 'Lifetime of the ICE servers handed out, and of their credentials.',
  }),
  iceServersRateLimit: integer('ICE_SERVERS_RATE_LIMIT', {
    min: 1,
    max: 100_000,
    default: 30,
    doc: 'GET /api/ice-servers requests per minute per client address.',
  }),
  staticDir: text('STATIC_DIR', { default: 'web/dist', doc: 'Where the built web client is served from.' }),
  sessionSecret: secret('SESSION_SECRET', {
    minLength: 32,
    defaultDoc: 'generated at start',
    doc: 'Signs resume tokens, so that peer ids survive a restart.',
  }),
  resumeLifetimeSeconds: integer('RESUME_LIFETIME_SECONDS', {
    min: 60,
    max: 30 * 86_400,
    default: 86_400,
    doc: 'How long a resume token stays valid.',
  }),
  maxResumablePeers: integer('MAX_RESUMABLE_PEERS', {
    min: 1,
    max: 10_000_000,
    default: 50_000,
    doc: 'Peer ids whose latest resume token is remembered.',
  }),
  roomAccess: oneOf('ROOM_ACCESS', ['open', 'token'], {
    default: 'open',
    doc: 'Who may join a room: anyone who knows its name, or only the bearer of a room token.',
  }),
  roomTokenSecret: secret('ROOM_TOKEN_SECRET', { minLength: 32, doc: 'Verifies HS256 room tokens.' }),
  roomTokenPublicKeys: variable('ROOM_TOKEN_PUBLIC_KEYS', publicKeys, {
    default: undefined,
    doc: 'A file of public keys (PEM or JWKS) that verify ES256/EdDSA room tokens.',
  }),
  roomTokenMaxLifetimeSeconds: integer('ROOM_TOKEN_MAX_LIFETIME_SECONDS', {
    min: 60,
    max: 30 * 86_400,
    default: 86_400,
    doc: 'Longest a room token may be valid for.',
  }),
  roomTokenIssuer: text('ROOM_TOKEN_ISSUER', { doc: "When set, a room token's iss must be this." }),
  roomTokenAudience: text('ROOM_TOKEN_AUDIENCE', { doc: "When set, a room token's aud must name this." }),
  redisUrl: variable('REDIS_URL', redisUrl, {
    default: undefined,
    doc: 'Shared mode: the Redis that holds the rooms of every node (redis:// or rediss://). Unset: rooms live in this process.',
  }),
  nodeId: variable('NODE_ID', nodeId, {
    default: defaultNodeId(),
    defaultDoc: 'host name and a random suffix',
    doc: "This node's name in shared mode: in Redis keys, logs and metric labels. Unique per node.",
  }),
  clusterHeartbeatMs: integer('CLUSTER_HEARTBEAT_MS', {
    min: 100,
    max: 60_000,
    default: 2_000,
    doc: 'Shared mode: how often a node renews its liveness; one silent for two intervals is dead and its peers leave.',
  }),
};

export const defaults: Config = defaultsOf(serverEnv);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problemReport('invalid configuration', problems));
    this.name = 'ConfigError';
  }
}

/** Reads the environment into a Config, or throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const { values: config, problems, clean } = readEnv(serverEnv, env) satisfies { values: Config };

  // A frame of the largest allowed size must fit in each byte burst, or a legitimate one would always wait.
  for (const field of ['rateLimitBytesBurst', 'rateLimitBytesBurstPerIp'] as const) {
    const burst = config[field];
    if (clean(field, 'maxFrameBytes') && burst < config.maxFrameBytes) {
      problems.push(`${serverEnv[field].name} (${burst}) must be at least MAX_FRAME_BYTES (${config.maxFrameBytes})`);
    }
  }
  if (config.turnUrls.length > 0 && clean('turnSecret') && config.turnSecret === undefined) {
    problems.push('TURN_URLS needs TURN_SECRET, the secret the TURN relay checks credentials with');
  }
  // Each node would make up its own, and a client could resume its peer id only on the node it left.
  if (config.redisUrl !== undefined && clean('redisUrl', 'sessionSecret') && config.sessionSecret === undefined) {
    problems.push('REDIS_URL needs SESSION_SECRET, the same on every node, so that a client resumes on any of them');
  }
  const keyless = config.roomTokenSecret === undefined && config.roomTokenPublicKeys === undefined;
  if (config.roomAccess === 'token' && keyless && clean('roomTokenSecret', 'roomTokenPublicKeys')) {
    problems.push(
      'ROOM_ACCESS=token needs ROOM_TOKEN_SECRET (HS256) or ROOM_TOKEN_PUBLIC_KEYS (ES256/EdDSA) to check tokens with',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
