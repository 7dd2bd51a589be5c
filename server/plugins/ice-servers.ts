/**
 * `GET /api/ice-servers`: fresh STUN/TURN servers for pages and tools that
 * want them outside a call (the ICE test page, `npm run ice-check`). The
 * same origin rules as the signaling socket apply, so other sites cannot
 * harvest relay credentials through a visitor's browser, and each client
 * address may ask only ICE_SERVERS_RATE_LIMIT times a minute.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { IceServersResponse } from '../../protocol/ice.js';
import { PEER_ID_PATTERN } from '../../protocol/patterns.js';
import type { Config } from '../config.js';
import type { IceServersFor } from '../ice-servers.js';
import { isOriginAllowed } from '../origin.js';
import { OriginNotAllowedError } from '../errors.js';

export interface IceServersRouteOptions {
  config: Config;
  iceServers: IceServersFor;
}

export default async function iceServersRoute(app: FastifyInstance, { config, iceServers }: IceServersRouteOptions) {
  await app.register(rateLimit, { global: false });

  app.get<{ Querystring: { username?: string } }>(
    '/api/ice-servers',
    {
      config: { rateLimit: { max: config.iceServersRateLimit, timeWindow: 60_000 } },
      schema: {
        querystring: {
          type: 'object',
          properties: { username: { type: 'string', pattern: PEER_ID_PATTERN }, service: { type: 'string' } },
        },
        response: { 200: IceServersResponse },
      },
      onRequest: async (request, reply) => {
        const origin = request.headers.origin;
        if (!isOriginAllowed(origin, request.headers.host, config.allowedOrigins)) {
          throw new OriginNotAllowedError(String(origin));
        }
        if (origin !== undefined) reply.header('access-control-allow-origin', origin).header('vary', 'origin');
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const user = request.query.username ?? randomBytes(12).toString('base64url');
      return iceServers(request.headers.host ?? 'localhost', user);
    },
  );
}
