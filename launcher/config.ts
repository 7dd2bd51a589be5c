/**
 * What `npm start` needs to decide: whether a TURN relay is configured
 * elsewhere, or whether to run the bundled one beside the server, and with
 * which secret; and how to restart a child that crashes. The only reader of
 * the environment in this process; the children read their own
 * (server/config.ts, turn/config.ts), and preflight.ts runs those readers on
 * the environments the children will get.
 */
import { randomBytes } from 'node:crypto';

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

export const restartDefaults: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  maxRestarts: 5,
  stopTimeoutMs: 90_000,
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  logLevel: (typeof LOG_LEVELS)[number];
  /** The launcher's own bad variables; the children's are found by preflight.ts. */
  problems: string[];
}

type Env = Record<string, string | undefined>;

export function planLaunch(env: Env): LaunchPlan {
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

  const restart: RestartPolicy = {
    initialDelayMs: integer('LAUNCHER_RESTART_DELAY_MS', restartDefaults.initialDelayMs, 10, 600_000),
    maxDelayMs: integer('LAUNCHER_RESTART_MAX_DELAY_MS', restartDefaults.maxDelayMs, 10, 3_600_000),
    stableAfterMs: integer('LAUNCHER_STABLE_AFTER_MS', restartDefaults.stableAfterMs, 100, 86_400_000),
    maxRestarts: integer('LAUNCHER_MAX_RESTARTS', restartDefaults.maxRestarts, 0, 1_000),
    stopTimeoutMs: integer('LAUNCHER_STOP_TIMEOUT_MS', restartDefaults.stopTimeoutMs, 100, 3_600_000),
  };
  if (restart.initialDelayMs > restart.maxDelayMs) {
    problems.push('LAUNCHER_RESTART_DELAY_MS must not be above LAUNCHER_RESTART_MAX_DELAY_MS');
  }
  // Shared with the children, whose readers report a bad value (and so stop the launch).
  const level = raw('LOG_LEVEL');
  const logLevel = LOG_LEVELS.find((known) => known === level) ?? 'info';

  const generatedSecrets: string[] = [];
  const secret = (name: string) => {
    const given = raw(name);
    if (given !== undefined) return given;
    generatedSecrets.push(name);
    return randomBytes(32).toString('hex');
  };
  const sessionEnv = { SESSION_SECRET: secret('SESSION_SECRET') };

  if (raw('TURN_URLS') !== undefined) {
    return { bundledRelay: false, sharedEnv: {}, serverEnv: sessionEnv, generatedSecrets, restart, logLevel, problems };
  }
  const port = raw('TURN_PORT') ?? '3478';
  return {
    bundledRelay: true,
    sharedEnv: { TURN_SECRET: secret('TURN_SECRET'), TURN_PORT: port },
    serverEnv: {
      ...sessionEnv,
      TURN_URLS: `turn:{host}:${port}?transport=udp,turn:{host}:${port}?transport=tcp`,
      ...(raw('STUN_URLS') === undefined ? { STUN_URLS: `stun:{host}:${port}` } : {}),
    },
    generatedSecrets,
    restart,
    logLevel,
    problems,
  };
}
