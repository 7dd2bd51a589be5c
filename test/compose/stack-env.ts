/**
 * The .env of a test stack: every port free on this machine, the relay on
 * loopback (its own relay address) with a small range, fresh secrets, token
 * mode. Shared by the single-node stacks and the shared-mode one. The relay's
 * name is turn.localhost: Caddy's local CA issues its certificate, and
 * browsers resolve every *.localhost name to loopback (RFC 6761).
 */
import { randomBytes } from 'node:crypto';
import { freePorts, freeUdpRange } from './ports.js';

/** What every profile shares: the web side on free ports, the relay on loopback with a small range. */
export async function stackEnv(profile: 'bundled' | 'coturn') {
  const [httpPort, httpsPort, appPort, metricsPort, caddyTlsPort] = await freePorts(5);
  const [turnPort, tlsPort] = await freePorts(2, true);
  const range = await freeUdpRange(40);
  return {
    COMPOSE_PROFILES: profile,
    DOMAIN: 'localhost',
    TURN_DOMAIN: 'turn.localhost',
    TURN_SECRET: randomBytes(32).toString('hex'),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    HTTP_PORT: String(httpPort),
    HTTPS_PORT: String(httpsPort),
    APP_PORT: String(appPort),
    CADDY_TLS_PORT: String(caddyTlsPort),
    TURN_PORT: String(turnPort),
    TURN_TLS_PORT: String(tlsPort),
    TURN_METRICS_PORT: String(metricsPort),
    TURN_MIN_PORT: String(range.min),
    TURN_MAX_PORT: String(range.max),
    TURN_RELAY_ADDRESS: '127.0.0.1',
    PUBLIC_IP: '127.0.0.1',
    ROOM_ACCESS: 'token',
  };
}
