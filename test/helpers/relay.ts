/**
 * Runs the bundled relay in the test process on loopback: relay sockets on
 * 127.0.0.2 (so 127.0.0.1 stays an ordinary, forbidden peer address),
 * listeners on port 0 read back, and a window of relay ports from the one
 * allocator (ports.ts) so parallel test files never collide.
 */
import pino from 'pino';
import { TurnRelay, type RelayPorts } from '../../turn/server.js';
import { loadTurnConfig, type TurnConfig } from '../../turn/config.js';
import { issueTurnCredential } from '../../server/turn-credentials.js';
import { metric } from './metrics-text.js';
import { testCertificate } from './certificate.js';
import { portWindow, type PortWindow } from './ports.js';

export const RELAY_SECRET = 'relay-test-secret-0123456789';

export interface TestRelay {
  relay: TurnRelay;
  config: TurnConfig;
  ports: RelayPorts;
  /** The relay port window (TURN_MIN_PORT–TURN_MAX_PORT). */
  relayPorts: { min: number; max: number };
  server: { address: string; port: number };
  credentials(user?: string, ttlSeconds?: number, now?: number): { username: string; password: string };
  metric(series: string): Promise<number>;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** How many ports the relay port window holds. */
  relayPortCount?: number;
}

/** Starts the relay with the test defaults, `env` over them; the relay port window is always the allocator's. */
export async function startRelay(
  env: Record<string, string> = {},
  { relayPortCount = 50 }: RelayOptions = {},
): Promise<TestRelay> {
  const window = await portWindow(relayPortCount);
  try {
    return await started(env, window);
  } catch (error) {
    window.release();
    throw error;
  }
}

async function started(env: Record<string, string>, window: PortWindow): Promise<TestRelay> {
  const config = loadTurnConfig(
    {
      TURN_SECRET: RELAY_SECRET,
      TURN_LISTEN_HOST: '127.0.0.1',
      TURN_LISTEN_HOST6: '::1',
      TURN_PORT: '0',
      TURN_METRICS_PORT: '0',
      TURN_RELAY_ADDRESS: '127.0.0.2',
      LOG_LEVEL: 'silent',
      ...env,
      ...window.env,
    },
    '127.0.0.2',
  );
  const relay = new TurnRelay(config, pino({ level: config.logLevel }));
  const ports = await relay.start();
  return {
    relay,
    config,
    ports,
    relayPorts: { min: window.min, max: window.max },
    server: { address: '127.0.0.1', port: ports.udp },
    credentials: (user = 'tester', ttlSeconds = 600, now = Date.now()) => {
      const { username, password } = issueTurnCredential(RELAY_SECRET, ttlSeconds, user, now);
      return { username, password };
    },
    metric: async (series) => metric(await relay.metrics.registry.metrics(), series),
    close: async () => {
      await relay.stop();
      window.release();
    },
  };
}

/** The relay with TLS as well (a throwaway certificate for "localhost"). */
export async function startTlsRelay(env: Record<string, string> = {}, options: RelayOptions = {}): Promise<TestRelay> {
  const certificate = await testCertificate();
  return startRelay(
    {
      TURN_TLS_PORT: '0',
      TURN_TLS_CERT: certificate.cert,
      TURN_TLS_KEY: certificate.key,
      ...env,
    },
    options,
  );
}
