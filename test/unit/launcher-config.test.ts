import { describe, expect, it } from 'vitest';
import { planLaunch, restartDefaults } from '../../launcher/config.js';

describe('launch plan', () => {
  it("points the server at the bundled relay on the relay's own default port when TURN_PORT is unset", () => {
    const plan = planLaunch({});
    expect(plan.bundledRelay).toBe(true);
    expect(plan.sharedEnv.TURN_PORT).toBe('3478');
    expect(plan.serverEnv).toMatchObject({
      TURN_URLS: 'turn:{host}:3478?transport=udp,turn:{host}:3478?transport=tcp',
      STUN_URLS: 'stun:{host}:3478',
    });
  });

  it('follows TURN_PORT, and leaves a given STUN_URLS alone', () => {
    const plan = planLaunch({ TURN_PORT: ' 3479 ', STUN_URLS: 'stun:stun.example.com' });
    expect(plan.sharedEnv.TURN_PORT).toBe('3479');
    expect(plan.serverEnv.TURN_URLS).toBe('turn:{host}:3479?transport=udp,turn:{host}:3479?transport=tcp');
    expect(plan.serverEnv).not.toHaveProperty('STUN_URLS');
  });

  it('runs no relay when TURN_URLS names one', () => {
    const plan = planLaunch({ TURN_URLS: 'turn:turn.example.com:3478', TURN_SECRET: 's'.repeat(32) });
    expect(plan.bundledRelay).toBe(false);
    expect(plan.sharedEnv).toEqual({});
    expect(Object.keys(plan.serverEnv)).toEqual(['SESSION_SECRET']);
  });

  it('generates only the secrets not given, and passes a given one on as it is, for the child to judge', () => {
    const plan = planLaunch({ TURN_SECRET: 'short' });
    expect(plan.sharedEnv.TURN_SECRET).toBe('short');
    expect(plan.generatedSecrets).toEqual(['SESSION_SECRET']);
    expect(plan.serverEnv.SESSION_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.problems).toEqual([]);
  });

  it('follows a valid LOG_LEVEL and leaves a bad one to the children to report', () => {
    expect(planLaunch({ LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    const plan = planLaunch({ LOG_LEVEL: 'loud' });
    expect(plan.logLevel).toBe('info');
    expect(plan.problems).toEqual([]);
  });

  it('reads its restart policy, and names every bad variable and conflict', () => {
    expect(planLaunch({}).restart).toEqual({
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      stableAfterMs: 60_000,
      maxRestarts: 5,
      stopTimeoutMs: 90_000,
    });
    expect(restartDefaults).toEqual(planLaunch({}).restart);
    const plan = planLaunch({
      LAUNCHER_RESTART_DELAY_MS: '5000',
      LAUNCHER_RESTART_MAX_DELAY_MS: '1000',
      LAUNCHER_STABLE_AFTER_MS: '50',
      LAUNCHER_MAX_RESTARTS: 'many',
      LAUNCHER_STOP_TIMEOUT_MS: '2000',
    });
    expect(plan.restart.stopTimeoutMs).toBe(2000);
    expect(plan.problems).toEqual([
      'LAUNCHER_STABLE_AFTER_MS must be an integer from 100 to 86400000, got "50"',
      'LAUNCHER_MAX_RESTARTS must be an integer from 0 to 1000, got "many"',
      'LAUNCHER_RESTART_DELAY_MS must not be above LAUNCHER_RESTART_MAX_DELAY_MS',
    ]);
  });
});
