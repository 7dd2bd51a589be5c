/**
 * The signaling plugin's declared dependency: it needs the metrics plugin's
 * registry, and says so, so a server assembled without it fails at boot with
 * Fastify's own error instead of a TypeError from inside the plugin.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import metrics from '../../server/plugins/metrics.js';
import signaling, { type SignalingOptions } from '../../server/plugins/signaling.js';
import { loadConfig } from '../../server/config.js';
import { createIceServers } from '../../server/ice-servers.js';
import { createSharedState } from '../../server/shared-state.js';
import { Registry } from 'prom-client';
import pino from 'pino';

const silent = pino({ level: 'silent' });
import { Refusals } from '../../server/refusals.js';
import { createRoomAccess } from '../../server/access/room-access.js';

async function options(): Promise<SignalingOptions> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', STATIC_DIR: '/nonexistent-static-dir' });
  return {
    config,
    access: await createRoomAccess(config),
    iceServers: createIceServers(config),
    shared: createSharedState(config, silent, new Registry(), 'test-secret'),
    refusals: new Refusals(),
  };
}

let app: FastifyInstance;
afterEach(async () => {
  await app.close();
});

describe('signaling plugin registration', () => {
  it('fails at boot with FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED when the metrics plugin is missing', async () => {
    app = Fastify({ logger: false });
    await expect(app.register(signaling, await options())).rejects.toMatchObject({
      code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED',
      message: "The dependency 'metrics' of plugin 'signaling' is not registered",
    });
  });

  it('boots after the metrics plugin and serves its series there', async () => {
    app = Fastify({ logger: false });
    await app.register(metrics);
    await app.register(signaling, await options());
    await app.ready();
    const scrape = await app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.body).toContain('vc_signaling_connections 0');
  });
});
