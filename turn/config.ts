/**
 * The relay's configuration: read from the environment once, every variable
 * validated, every error reported together. Nothing else in turn/ reads
 * `process.env`. docs/turn.md documents each variable.
 */
import { isIP } from 'node:net';

export interface TurnConfig {
  secret: string;
  realm: string;
  listenHost: string;
  port: number;
  tlsPort: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** The local address relay sockets bind to. */
  relayAddress: string;
  /** The address clients and peers are told (XOR-RELAYED-ADDRESS); the relay address unless behind 1:1 NAT. */
  externalAddress: string;
  minPort: number;
  maxPort: number;
  /** CIDRs exempt from the peer deny list, for labs and tests. */
  allowedPeers: string[];
  /** Allocations and EVEN-PORT reservations, in total, per user and per client address. */
  maxAllocations: number;
  maxAllocationsPerUser: number;
  maxAllocationsPerAddress: number;
  /** Permissions (peer addresses) and channel bindings: per allocation, and in total. */
  maxPermissionsPerAllocation: number;
  maxChannelsPerAllocation: number;
  maxPermissions: number;
  maxChannels: number;
  /** TCP and TLS connections, in total and per client address. */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** A TLS connection whose handshake has not finished by then is closed. */
  tlsHandshakeTimeoutMs: number;
  /** A TCP/TLS connection that holds no allocation is closed this long after it opened. */
  connectionIdleTimeoutMs: number;
  /** How often the TLS certificate and key files are checked for a change. */
  tlsReloadIntervalMs: number;
  defaultLifetime: number;
  maxLifetime: number;
  /** Relayed bytes per second per allocation, each direction. */
  bandwidthBytesPerSecond: number;
  nonceLifetime: number;
  software: string | undefined;
  metricsHost: string;
  metricsPort: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class TurnConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid TURN configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TurnConfigError';
  }
}

type Env = Record<string, string | undefined>;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `relayAddress` when none is configured: see main.ts, which knows the machine's interfaces. */
export function loadTurnConfig(env: Env, defaultRelayAddress: string): TurnConfig {
  const problems: string[] = [];
  const raw = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return parsed;
  };
  const address = (name: string, fallback: string) => {
    const value = raw(name) ?? fallback;
    if (isIP(value) === 0) problems.push(`${name} must be an IP address, got "${value}"`);
    return value;
  };

  const secret = raw('TURN_SECRET');
  if (secret === undefined) problems.push('TURN_SECRET is required: the secret shared with the signaling server (openssl rand -hex 32)');
  else if (secret.length < 16) problems.push('TURN_SECRET must be at least 16 characters');

  const relayAddress = address('TURN_RELAY_ADDRESS', defaultRelayAddress);
  const allowedPeers = (raw('TURN_ALLOWED_PEERS') ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const cidr of allowedPeers) if (!isCidr(cidr)) problems.push(`TURN_ALLOWED_PEERS has an invalid CIDR "${cidr}"`);

  const level = raw('LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const config: TurnConfig = {
    secret: secret ?? '',
    realm: raw('TURN_REALM') ?? 'video-call',
    listenHost: address('TURN_LISTEN_HOST', '0.0.0.0'),
    port: integer('TURN_PORT', 3478, 0, 65535),
    tlsPort: integer('TURN_TLS_PORT', 5349, 0, 65535),
    tlsCert: raw('TURN_TLS_CERT'),
    tlsKey: raw('TURN_TLS_KEY'),
    relayAddress,
    externalAddress: address('TURN_EXTERNAL_IP', relayAddress),
    minPort: integer('TURN_MIN_PORT', 49152, 1024, 65535),
    maxPort: integer('TURN_MAX_PORT', 65535, 1024, 65535),
    allowedPeers,
    maxAllocations: integer('TURN_MAX_ALLOCATIONS', 1000, 1, 1_000_000),
    maxAllocationsPerUser: integer('TURN_MAX_ALLOCATIONS_PER_USER', 10, 1, 10_000),
    maxAllocationsPerAddress: integer('TURN_MAX_ALLOCATIONS_PER_ADDRESS', 100, 1, 1_000_000),
    maxPermissionsPerAllocation: integer('TURN_MAX_PERMISSIONS_PER_ALLOCATION', 128, 1, 65_536),
    maxChannelsPerAllocation: integer('TURN_MAX_CHANNELS_PER_ALLOCATION', 128, 1, 16_384),
    maxPermissions: integer('TURN_MAX_PERMISSIONS', 100_000, 1, 10_000_000),
    maxChannels: integer('TURN_MAX_CHANNELS', 100_000, 1, 10_000_000),
    maxConnections: integer('TURN_MAX_CONNECTIONS', 2000, 1, 1_000_000),
    maxConnectionsPerAddress: integer('TURN_MAX_CONNECTIONS_PER_ADDRESS', 100, 1, 1_000_000),
    tlsHandshakeTimeoutMs: integer('TURN_TLS_HANDSHAKE_TIMEOUT_MS', 10_000, 100, 120_000),
    connectionIdleTimeoutMs: integer('TURN_CONNECTION_IDLE_TIMEOUT_MS', 30_000, 100, 600_000),
    tlsReloadIntervalMs: integer('TURN_TLS_RELOAD_INTERVAL_MS', 60_000, 100, 86_400_000),
    defaultLifetime: integer('TURN_DEFAULT_LIFETIME', 600, 30, 3600),
    maxLifetime: integer('TURN_MAX_LIFETIME', 3600, 30, 3600),
    bandwidthBytesPerSecond: integer('TURN_BANDWIDTH_BYTES_PER_SECOND', 1_250_000, 1_000, 1_000_000_000),
    nonceLifetime: integer('TURN_NONCE_LIFETIME', 600, 10, 86_400),
    software: raw('TURN_SOFTWARE'),
    metricsHost: address('TURN_METRICS_HOST', '127.0.0.1'),
    metricsPort: integer('TURN_METRICS_PORT', 9641, 0, 65535),
    logLevel: level as TurnConfig['logLevel'],
  };
  if (config.minPort > config.maxPort) problems.push('TURN_MIN_PORT must not be above TURN_MAX_PORT');
  if (config.defaultLifetime > config.maxLifetime) problems.push('TURN_DEFAULT_LIFETIME must not be above TURN_MAX_LIFETIME');
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) problems.push('TURN_TLS_CERT and TURN_TLS_KEY go together');
  if (isIP(relayAddress) === 6) problems.push('TURN_RELAY_ADDRESS must be IPv4: relayed transport addresses are IPv4 only');
  if (problems.length > 0) throw new TurnConfigError(problems);
  return config;
}

export function isCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
