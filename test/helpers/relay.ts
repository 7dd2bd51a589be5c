/**
 * Runs the bundled relay in the test process on loopback: relay sockets on
 * 127.0.0.2 (so 127.0.0.1 stays an ordinary, forbidden peer address), its
 * own slice of relay ports so parallel test files never collide.
 */
import pino from 'pino';
import { TurnRelay, type RelayPorts } from '../../turn/server.js';
import { loadTurnConfig, type TurnConfig } from '../../turn/config.js';
import { issueTurnCredential } from '../../server/turn-credentials.js';
import { metric } from './metrics-text.js';
import { testCertificate } from './certificate.js';

export const RELAY_SECRET = 'relay-test-secret-0123456789';

export interface TestRelay {
  relay: TurnRelay;
  config: TurnConfig;
  ports: RelayPorts;
  server: { address: string; port: number };
  credentials(user?: string, ttlSeconds?: number, now?: number): { username: string; password: string };
  metric(series: string): Promise<number>;
  close(): Promise<void>;
}

export async function startRelay(env: Record<string, string>): Promise<TestRelay> {
  const config = loadTurnConfig(
    {
      TURN_SECRET: RELAY_SECRET,
      TURN_LISTEN_HOST: '127.0.0.1',
      TURN_PORT: '0',
      TURN_METRICS_PORT: '0',
      TURN_RELAY_ADDRESS: '127.0.0.2',
      LOG_LEVEL: 'silent',
      ...env,
    },
    '127.0.0.2',
  );
  const relay = new TurnRelay(config, pino({ level: config.logLevel }));
  const ports = await relay.start();
  return {
    relay,
    config,
    ports,
    server: { address: '127.0.0.1', port: ports.udp },
    credentials: (user = 'tester', ttlSeconds = 600, now = Date.now()) => {
      const { username, password } = issueTurnCredential(RELAY_SECRET, ttlSeconds, user, now);
      return { username, password };
    },
    metric: async (series) => metric(await relay.metrics.registry.metrics(), series),
    close: () => relay.stop(),
  };
}

/** The relay with TLS as well (a throwaway certificate for "localhost"), relay ports from `range`. */
export async function startTlsRelay(range: [number, number], env: Record<string, string> = {}): Promise<TestRelay> {
  const certificate = await testCertificate();
  return startRelay({
    TURN_MIN_PORT: String(range[0]),
    TURN_MAX_PORT: String(range[1]),
    TURN_TLS_PORT: '0',
    TURN_TLS_CERT: certificate.cert,
    TURN_TLS_KEY: certificate.key,
    ...env,
  });
}
