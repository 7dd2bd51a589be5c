/**
 * What `npm start` needs to decide: whether a TURN relay is configured
 * elsewhere, or whether to run the bundled one beside the server, and with
 * which secret; and how to restart a child that crashes. The only reader of
 * the environment in this process; the children read their own
 * (server/config.ts, turn/config.ts), and preflight.ts runs those readers on
 * the environments the children will get.
 */
import { randomBytes } from 'node:crypto';
import { integer } from '../env/kinds.js';
import { defaultsOf, given, readEnv, type Env } from '../env/read-env.js';
import { serverEnv, type Config } from '../server/config.js';
import { relayEnv } from '../turn/config.js';

/** When and how often a crashed child is started again (supervisor.ts). */
export interface RestartPolicy {
  /** Wait before the first restart; each quick failure after it doubles the wait. */
  initialDelayMs: number;
  /** The doubling stops here. */
  maxDelayMs: number;
  /** A child that stays up this long is healthy again: the next crash waits initialDelayMs. */
  stableAfterMs: number;
  /**
   * Restarts in a row, each failing within stableAfterMs, before the launcher
   * gives up on a child that has never been stable since `npm start`.
   */
  maxRestarts: number;
  /**
   * How long a child may take to stop after the launcher's signal before it is
   * killed: above the server's own deadline (SHUTDOWN_GRACE_MS + 5 s), so a
   * graceful drain is never cut, yet bounded, so a hung child cannot keep
   * `npm start` from exiting.
   */
  stopTimeoutMs: number;
}

export const launcherEnv = {
  initialDelayMs: integer('LAUNCHER_RESTART_DELAY_MS', {
    min: 10,
    max: 600_000,
    default: 1_000,
    doc: 'Wait before restarting a crashed child; doubles per quick failure.',
  }),
  maxDelayMs: integer('LAUNCHER_RESTART_MAX_DELAY_MS', {
    min: 10,
    max: 3_600_000,
    default: 30_000,
    doc: 'The doubling stops here.',
  }),
  stableAfterMs: integer('LAUNCHER_STABLE_AFTER_MS', {
    min: 100,
    max: 86_400_000,
    default: 60_000,
    doc: 'Time up after which a child counts as healthy.',
  }),
  maxRestarts: integer('LAUNCHER_MAX_RESTARTS', {
    min: 0,
    max: 1_000,
    default: 5,
    doc: 'Quick failures in a row before the launcher gives up.',
  }),
  stopTimeoutMs: integer('LAUNCHER_STOP_TIMEOUT_MS', {
    min: 100,
    max: 3_600_000,
    default: 90_000,
    doc: 'Time a child has to stop before it is killed.',
  }),
};

export const restartDefaults: RestartPolicy = defaultsOf(launcherEnv);

export interface LaunchPlan {
  /** Run turn/ beside the server. */
  bundledRelay: boolean;
  /** Added to both children's environments. */
  sharedEnv: Record<string, string>;
  /**
   * Added to the server's environment only. SESSION_SECRET is made here when
   * none is given, so that it outlives the server process: after a restart by
   * the launcher, clients resume their peer ids (and so their calls) instead
   * of joining as new peers.
   */
  serverEnv: Record<string, string>;
  /** The secrets made for this run because none was given. */
  generatedSecrets: string[];
  restart: RestartPolicy;
  logLevel: Config['logLevel'];
  /** The launcher's own bad variables; the children's are found by preflight.ts. */
  problems: string[];
}

/** What the launcher follows of its children's variables; their own readers report a bad value. */
const childrenEnv = { logLevel: serverEnv.logLevel };

export function planLaunch(env: Env): LaunchPlan {
  const { values: restart, problems, clean } = readEnv(launcherEnv, env) satisfies { values: RestartPolicy };
  if (clean('initialDelayMs', 'maxDelayMs') && restart.initialDelayMs > restart.maxDelayMs) {
    problems.push('LAUNCHER_RESTART_DELAY_MS must not be above LAUNCHER_RESTART_MAX_DELAY_MS');
  }
  const { logLevel } = readEnv(childrenEnv, env).values;

  const generatedSecrets: string[] = [];
  // Passed on as given, even a bad one, for the child's reader to refuse.
  const secret = (name: string) => {
    const text = given(env, name);
    if (text !== undefined) return text;
    generatedSecrets.push(name);
    return randomBytes(32).toString('hex');
  };
  const sessionEnv = { SESSION_SECRET: secret(serverEnv.sessionSecret.name) };

  if (given(env, serverEnv.turnUrls.name) !== undefined) {
    return { bundledRelay: false, sharedEnv: {}, serverEnv: sessionEnv, generatedSecrets, restart, logLevel, problems };
  }
  const port = given(env, relayEnv.port.name) ?? String(relayEnv.port.default);
  return {
    bundledRelay: true,
    sharedEnv: { TURN_SECRET: secret(relayEnv.secret.name), TURN_PORT: port },
    serverEnv: {
      ...sessionEnv,
      TURN_URLS: `turn:{host}:${port}?transport=udp,turn:{host}:${port}?transport=tcp`,
      ...(given(env, serverEnv.stunUrls.name) === undefined ? { STUN_URLS: `stun:{host}:${port}` } : {}),
    },
    generatedSecrets,
    restart,
    logLevel,
    problems,
  };
}
