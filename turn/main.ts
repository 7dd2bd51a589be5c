/**
 * The relay process (`npm run turn`): read the config, listen, and on
 * SIGTERM/SIGINT close every allocation and exit 0 (1 if that takes over
 * STOP_DEADLINE_MS).
 */
import pino from 'pino';
import { loadTurnConfig, TurnConfigError, type TurnConfig } from './config.js';
import { TurnRelay } from './server.js';
import { descriptorLimit, descriptorsNeeded } from './descriptors.js';
import { defaultRelayAddress, defaultRelayAddress6 } from './local-addresses.js';

/** A stop that hangs (a socket that will not close) must not keep the process, or `npm start`, waiting. */
const STOP_DEADLINE_MS = 10_000;

let config: TurnConfig;
try {
  config = loadTurnConfig(process.env, defaultRelayAddress(), defaultRelayAddress6());
} catch (error) {
  if (!(error instanceof TurnConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const log = pino({ level: config.logLevel, redact: ['secret', '*.secret', 'password', '*.password'] }).child({
  service: 'turn',
});
const relay = new TurnRelay(config, log);

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  log.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, STOP_DEADLINE_MS);
  deadline.unref();
  await relay.stop();
  log.info('stopped');
  process.exitCode = 0;
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

try {
  const ports = await relay.start();
  log.info(
    {
      ...ports,
      relayAddress: config.relayAddress,
      externalAddress: config.externalAddress,
      relayAddress6: config.relayAddress6 ?? 'off',
      externalAddress6: config.externalAddress6 ?? 'off',
      allocationFamilyDefault: config.allocationFamilyDefault,
      relayPorts: `${config.minPort}-${config.maxPort}`,
    },
    'TURN relay listening',
  );
  const limit = descriptorLimit();
  const needed = descriptorsNeeded(config);
  if (limit !== undefined && limit < needed) {
    log.warn(
      { limit, needed },
      'the open-file limit is below what TURN_MAX_ALLOCATIONS and TURN_MAX_CONNECTIONS allow: ' +
        'raise it (ulimit -n, LimitNOFILE=, ulimits: in compose) or lower those',
    );
  }
} catch (err) {
  log.fatal({ err }, 'could not listen');
  process.exit(1);
}
