/**
 * `GET /api/ice-servers`: fresh STUN/TURN servers for pages and tools that
 * want them outside a call (the ICE test page, `npm run ice-check`). The
 * same site rules as the signaling socket apply, so other sites cannot
 * harvest relay credentials through a visitor's browser, and each client
 * address may ask only ICE_SERVERS_RATE_LIMIT times a minute.
 *
 * The user in each credential is a fresh random id, never one the client
 * names: the relay counts its per-user allocation quota by that user, so a
 * client that could pick it could use up someone else's quota.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { IceServersResponse } from '../../protocol/ice.js';
import type { Config } from '../config.js';
import type { IceServersFor } from '../ice-servers.js';
import { judgeSite, siteRefusal } from '../origin.js';
import { logRefusal, type Refusals } from '../refusals.js';

export interface IceServersRouteOptions {
  config: Config;
  iceServers: IceServersFor;
  refusals: Refusals;
}

export default async function iceServersRoute(
  app: FastifyInstance,
  { config, iceServers, refusals }: IceServersRouteOptions,
) {
  await app.register(rateLimit, {
    global: false,
    onExceeded: (request) => logRefusal(refusals, request.log, request.ip, 'ICE_SERVERS_RATE_LIMIT'),
  });

  app.get(
    '/api/ice-servers',
    {
      config: { rateLimit: { max: config.iceServersRateLimit, timeWindow: 60_000 } },
      schema: {
        // `service` and `username` are the TURN REST API's parameters; `username` is ignored (see above).
        querystring: { type: 'object', properties: { service: { type: 'string' }, username: { type: 'string' } } },
        response: { 200: IceServersResponse },
      },
      onRequest: async (request, reply) => {
        const { origin, host } = request.headers;
        const verdict = judgeSite(config, origin, host);
        if (verdict !== 'ok') {
          logRefusal(refusals, request.log, request.ip, `${verdict} not allowed`);
          throw siteRefusal(verdict, origin, host);
        }
        if (origin !== undefined) reply.header('access-control-allow-origin', origin).header('vary', 'origin');
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return iceServers(request.headers.host ?? 'localhost', randomBytes(12).toString('base64url'));
    },
  );
}
