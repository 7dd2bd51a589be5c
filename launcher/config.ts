/**
 * What `npm start` needs to decide: whether a TURN relay is configured
 * elsewhere, or whether to run the bundled one beside the server, and with
 * which secret. The only reader of the environment in this process; the
 * children read their own (server/config.ts, turn/config.ts).
 */
import { randomBytes } from 'node:crypto';

export interface LaunchPlan {
  /** Run turn/ beside the server. */
  bundledRelay: boolean;
  /** Added to both children's environments. */
  sharedEnv: Record<string, string>;
  /** Added to the server's environment only. */
  serverEnv: Record<string, string>;
  generatedSecret: boolean;
}

export function planLaunch(env: Record<string, string | undefined>): LaunchPlan {
  const turnUrls = env.TURN_URLS?.trim() ?? '';
  if (turnUrls !== '') return { bundledRelay: false, sharedEnv: {}, serverEnv: {}, generatedSecret: false };

  const secret = env.TURN_SECRET?.trim() || randomBytes(32).toString('hex');
  const port = env.TURN_PORT?.trim() || '3478';
  return {
    bundledRelay: true,
    sharedEnv: { TURN_SECRET: secret, TURN_PORT: port },
    serverEnv: {
      TURN_URLS: `turn:{host}:${port}?transport=udp,turn:{host}:${port}?transport=tcp`,
      ...(env.STUN_URLS?.trim() ? {} : { STUN_URLS: `stun:{host}:${port}` }),
    },
    generatedSecret: !env.TURN_SECRET?.trim(),
  };
}
