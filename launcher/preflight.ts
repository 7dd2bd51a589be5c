/**
 * The children's configuration, checked by their own readers on the exact
 * environments they will be started with, before either starts: a bad
 * variable is the same at every restart, so it must stop the launch, not
 * spend the restart budget, and the operator should see every problem of
 * both processes at once rather than one process's at a time.
 */
import { ConfigError, loadConfig } from '../server/config.js';
import { TurnConfigError, loadTurnConfig } from '../turn/config.js';
import { defaultRelayAddress } from '../turn/local-addresses.js';

type Env = Record<string, string | undefined>;

/** Each failing reader's own report (as the child would print it), in order; empty when all is well. */
export function configurationReport(launcherProblems: string[], serverEnv: Env, turnEnv: Env | undefined): string[] {
  const reports: string[] = [];
  if (launcherProblems.length > 0)
    reports.push(`invalid launcher configuration:\n  - ${launcherProblems.join('\n  - ')}`);
  try {
    loadConfig(serverEnv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reports.push(error.message);
  }
  if (turnEnv === undefined) return reports;
  try {
    loadTurnConfig(turnEnv, defaultRelayAddress());
  } catch (error) {
    if (!(error instanceof TurnConfigError)) throw error;
    reports.push(error.message);
  }
  return reports;
}
