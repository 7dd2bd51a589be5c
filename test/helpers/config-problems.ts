/** What the server's config reader says is wrong with `env`: every problem, or none. */
import { ConfigError, loadConfig } from '../../server/config.js';

export function serverConfigProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
