/**
 * The relay's configuration: every variable declared once (relayEnv), read
 * from the environment once by the shared reader (env/), every error reported
 * together. Nothing else in turn/ reads `process.env`. docs/turn.md documents
 * each variable; test/unit/config-docs.test.ts keeps the two in step.
 */
import { isIP } from 'node:net';
import { checked, cidrItem, integer, ipAddress, list, oneOf, secret, text } from '../env/kinds.js';
import { variable, type Kind } from '../env/variable.js';
import { logLevel } from '../env/log-level.js';
import { problemReport, readEnv, type Env } from '../env/read-env.js';

export interface TurnConfig {
  secret: string;
  realm: string;
  listenHost: string;
  /** Where the IPv6 listeners bind; undefined: IPv6 is off. */
  listenHost6: string | undefined;
  port: number;
  tlsPort: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Caddy's data directory: the TLS pair for `tlsDomain` is taken from its storage (instead of tlsCert/tlsKey). */
  tlsCaddyStorage: string | undefined;
  tlsDomain: string | undefined;
  /** CIDRs of the routers whose TCP/TLS connections start with a PROXY protocol header; empty: none. */
  proxyProtocolFrom: string[];
  /** The local address relay sockets bind to. */
  relayAddress: string;
  /** The address clients and peers are told (XOR-RELAYED-ADDRESS); the relay address unless behind 1:1 NAT. */
  externalAddress: string;
  /** The local IPv6 address IPv6 relay sockets bind to; undefined: no IPv6 relayed addresses (440). */
  relayAddress6: string | undefined;
  /** The IPv6 address told for IPv6 allocations; the IPv6 relay address unless behind 1:1 NAT. */
  externalAddress6: string | undefined;
  /** The relayed family when an Allocate names none: IPv4 (RFC 8656 §7.2), or the family the client came over. */
  allocationFamilyDefault: 'ipv4' | 'keep';
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
    super(problemReport('invalid TURN configuration', problems));
    this.name = 'TurnConfigError';
  }
}

const PORT = { min: 0, max: 65535 };
const RELAY_PORT = { min: 1024, max: 65535 };
const COUNT = { min: 1, max: 1_000_000 };
/** The word that turns an IPv6 variable off. */
export const OFF = 'off';

/** An IPv6 address, or `off` as it is (the config decides what off means). */
const ipv6OrOff: Kind<string> = {
  parse: (text) => checked(text, text === OFF || isIP(text) === 6 ? text : undefined, `an IPv6 address or ${OFF}`),
};

function unlessOff(value: string | undefined): string | undefined {
  return value === OFF ? undefined : value;
}
/** A DNS name, or a wildcard one: it names a directory in Caddy's storage, so nothing else may pass. */
const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export const relayEnv = {
  secret: secret('TURN_SECRET', {
    minLength: 16,
    required: 'the secret shared with the signaling server (openssl rand -hex 32)',
    doc: "Checks credentials; the signaling server's TURN_SECRET.",
  }),
  realm: text('TURN_REALM', { default: 'video-call', doc: 'The realm in 401 challenges.' }),
  listenHost: ipAddress('TURN_LISTEN_HOST', { default: '0.0.0.0', doc: 'IPv4 address the listeners bind.' }),
  listenHost6: variable('TURN_LISTEN_HOST6', ipv6OrOff, {
    default: '::',
    doc: 'IPv6 address the listeners bind (IPv6 only), or off.',
  }),
  port: integer('TURN_PORT', { ...PORT, default: 3478, doc: 'UDP and TCP port.' }),
  tlsPort: integer('TURN_TLS_PORT', { ...PORT, default: 5349, doc: 'TLS port (only with a certificate).' }),
  tlsCert: text('TURN_TLS_CERT', { doc: 'PEM certificate chain for TLS.' }),
  tlsKey: text('TURN_TLS_KEY', { doc: 'PEM private key for TLS.' }),
  tlsCaddyStorage: text('TURN_TLS_CADDY_STORAGE', {
    doc: "Caddy's data directory (the one holding caddy/): TLS takes TURN_TLS_DOMAIN's certificate from there.",
  }),
  tlsDomain: text('TURN_TLS_DOMAIN', { doc: "The name whose certificate is taken from Caddy's storage." }),
  proxyProtocolFrom: list('TURN_PROXY_PROTOCOL_FROM', cidrItem, {
    doc: 'CIDRs of routers whose TCP/TLS connections start with a PROXY protocol header.',
  }),
  relayAddress: ipAddress('TURN_RELAY_ADDRESS', {
    defaultDoc: 'first non-loopback IPv4 of the machine',
    doc: 'Local IPv4 address relay sockets bind to.',
  }),
  externalAddress: ipAddress('TURN_EXTERNAL_IP', {
    defaultDoc: '`TURN_RELAY_ADDRESS`',
    doc: 'The address told to clients, behind 1:1 NAT.',
  }),
  relayAddress6: variable<string | undefined>('TURN_RELAY_ADDRESS6', ipv6OrOff, {
    default: undefined,
    defaultDoc: 'first global IPv6 of the machine, else off',
    doc: 'Local IPv6 address IPv6 relay sockets bind to, or off.',
  }),
  externalAddress6: variable<string | undefined>('TURN_EXTERNAL_IP6', ipv6OrOff, {
    default: undefined,
    defaultDoc: '`TURN_RELAY_ADDRESS6`',
    doc: 'The IPv6 address told to clients, behind 1:1 NAT.',
  }),
  allocationFamilyDefault: oneOf('TURN_ALLOCATION_FAMILY_DEFAULT', ['ipv4', 'keep'], {
    default: 'ipv4',
    doc: 'Relayed address family when the Allocate names none.',
  }),
  minPort: integer('TURN_MIN_PORT', { ...RELAY_PORT, default: 49152, doc: 'Lowest relay port.' }),
  maxPort: integer('TURN_MAX_PORT', { ...RELAY_PORT, default: 65535, doc: 'Highest relay port.' }),
  allowedPeers: list('TURN_ALLOWED_PEERS', cidrItem, { doc: 'CIDRs exempt from the peer deny list.' }),
  maxAllocations: integer('TURN_MAX_ALLOCATIONS', { ...COUNT, default: 1000, doc: 'Allocations in total.' }),
  maxAllocationsPerUser: integer('TURN_MAX_ALLOCATIONS_PER_USER', {
    min: 1,
    max: 10_000,
    default: 10,
    doc: 'Allocations per user.',
  }),
  maxAllocationsPerAddress: integer('TURN_MAX_ALLOCATIONS_PER_ADDRESS', {
    ...COUNT,
    default: 100,
    doc: 'Allocations per client address.',
  }),
  maxPermissionsPerAllocation: integer('TURN_MAX_PERMISSIONS_PER_ALLOCATION', {
    min: 1,
    max: 65_536,
    default: 128,
    doc: 'Peer addresses one allocation may hold permissions for.',
  }),
  maxChannelsPerAllocation: integer('TURN_MAX_CHANNELS_PER_ALLOCATION', {
    min: 1,
    max: 16_384,
    default: 128,
    doc: 'Channel bindings per allocation.',
  }),
  maxPermissions: integer('TURN_MAX_PERMISSIONS', {
    min: 1,
    max: 10_000_000,
    default: 100_000,
    doc: 'Permissions in total.',
  }),
  maxChannels: integer('TURN_MAX_CHANNELS', {
    min: 1,
    max: 10_000_000,
    default: 100_000,
    doc: 'Channel bindings in total.',
  }),
  maxConnections: integer('TURN_MAX_CONNECTIONS', {
    ...COUNT,
    default: 2000,
    doc: 'TCP and TLS connections in total.',
  }),
  maxConnectionsPerAddress: integer('TURN_MAX_CONNECTIONS_PER_ADDRESS', {
    ...COUNT,
    default: 100,
    doc: 'TCP and TLS connections per client address.',
  }),
  tlsHandshakeTimeoutMs: integer('TURN_TLS_HANDSHAKE_TIMEOUT_MS', {
    min: 100,
    max: 120_000,
    default: 10_000,
    doc: 'Time a TLS handshake has from accept.',
  }),
  connectionIdleTimeoutMs: integer('TURN_CONNECTION_IDLE_TIMEOUT_MS', {
    min: 100,
    max: 600_000,
    default: 30_000,
    doc: 'Time a connection may hold no allocation from accept.',
  }),
  tlsReloadIntervalMs: integer('TURN_TLS_RELOAD_INTERVAL_MS', {
    min: 100,
    max: 86_400_000,
    default: 60_000,
    doc: 'How often the certificate and key files are checked.',
  }),
  defaultLifetime: integer('TURN_DEFAULT_LIFETIME', {
    min: 30,
    max: 3600,
    default: 600,
    doc: 'Allocation lifetime when the client asks for none or less (s).',
  }),
  maxLifetime: integer('TURN_MAX_LIFETIME', {
    min: 30,
    max: 3600,
    default: 3600,
    doc: 'Cap on any allocation lifetime (s).',
  }),
  bandwidthBytesPerSecond: integer('TURN_BANDWIDTH_BYTES_PER_SECOND', {
    min: 1_000,
    max: 1_000_000_000,
    default: 1_250_000,
    doc: 'Relayed bytes per second per allocation and direction.',
  }),
  nonceLifetime: integer('TURN_NONCE_LIFETIME', {
    min: 10,
    max: 86_400,
    default: 600,
    doc: 'Seconds before a nonce is stale.',
  }),
  software: text('TURN_SOFTWARE', { doc: 'SOFTWARE attribute value.' }),
  metricsHost: ipAddress('TURN_METRICS_HOST', { default: '127.0.0.1', doc: 'Address of the Prometheus endpoint.' }),
  metricsPort: integer('TURN_METRICS_PORT', { ...PORT, default: 9641, doc: 'Port of the Prometheus endpoint.' }),
  logLevel,
};

/**
 * `relayAddress` and `relayAddress6` when none is configured: see main.ts,
 * which knows the machine's interfaces. `TURN_RELAY_ADDRESS6=off` is off
 * whatever the machine has.
 */
export function loadTurnConfig(env: Env, defaultRelayAddress: string, defaultRelayAddress6?: string): TurnConfig {
  const { values, problems, clean } = readEnv(relayEnv, env);
  const relayAddress = values.relayAddress ?? defaultRelayAddress;
  const relayAddress6 = unlessOff(values.relayAddress6 ?? defaultRelayAddress6);
  const externalAddress6 = unlessOff(values.externalAddress6);
  const config: TurnConfig = {
    ...values,
    relayAddress,
    externalAddress: values.externalAddress ?? relayAddress,
    listenHost6: unlessOff(values.listenHost6),
    relayAddress6,
    externalAddress6: relayAddress6 === undefined ? undefined : (externalAddress6 ?? relayAddress6),
  };

  if (clean('minPort', 'maxPort') && config.minPort > config.maxPort) {
    problems.push('TURN_MIN_PORT must not be above TURN_MAX_PORT');
  }
  if (clean('defaultLifetime', 'maxLifetime') && config.defaultLifetime > config.maxLifetime) {
    problems.push('TURN_DEFAULT_LIFETIME must not be above TURN_MAX_LIFETIME');
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    problems.push('TURN_TLS_CERT and TURN_TLS_KEY go together');
  }
  if ((config.tlsCaddyStorage === undefined) !== (config.tlsDomain === undefined)) {
    problems.push('TURN_TLS_CADDY_STORAGE and TURN_TLS_DOMAIN go together');
  }
  if (config.tlsCaddyStorage !== undefined && (config.tlsCert !== undefined || config.tlsKey !== undefined)) {
    problems.push('TURN_TLS_CADDY_STORAGE and TURN_TLS_CERT/TURN_TLS_KEY exclude each other: one certificate source');
  }
  if (config.tlsDomain !== undefined && !HOSTNAME.test(config.tlsDomain)) {
    problems.push(`TURN_TLS_DOMAIN must be a DNS name (e.g. turn.example.com), got "${config.tlsDomain}"`);
  }
  if (isIP(relayAddress) === 6) {
    problems.push('TURN_RELAY_ADDRESS must be IPv4: IPv6 relay sockets bind TURN_RELAY_ADDRESS6');
  }
  if (values.externalAddress !== undefined && isIP(values.externalAddress) === 6) {
    problems.push('TURN_EXTERNAL_IP must be IPv4: the IPv6 one is TURN_EXTERNAL_IP6');
  }
  if (clean('listenHost') && isIP(config.listenHost) === 6) {
    problems.push('TURN_LISTEN_HOST must be IPv4: IPv6 listeners bind TURN_LISTEN_HOST6');
  }
  if (problems.length > 0) throw new TurnConfigError(problems);
  return config;
}
