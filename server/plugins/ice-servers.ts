/**
 * `GET /api/ice-servers`: fresh STUN/TURN servers for pages and tools that
 * want them outside a call (the ICE test page, `npm run ice-check`). The
 * same site rules as the signaling socket apply, so other sites cannot
 * harvest relay credentials through a visitor's browser, and each client
 * address may ask only ICE_SERVERS_RATE_LIMIT times a minute.
 *
 * In ROOM_ACCESS=token mode the caller must also hold a room token (for any
 * room), sent as `Authorization: Bearer <token>`: without one, or with a bad
 * one, it gets 401 and no credentials. Cross-origin pages send that header
 * only after a CORS preflight, which is answered here for allowed origins.
 *
 * The user in each credential is a fresh random id, never one the client
 * names: the relay counts its per-user allocation quota by that user, so a
 * client that could pick it could use up someone else's quota.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { Type } from '@sinclair/typebox';
import { Counter } from 'prom-client';
import { IceServersResponse } from '../../protocol/ice.js';
import { UNAUTHORIZED_REASONS } from '../../protocol/signaling.js';
import type { RoomAccess } from '../access/types.js';
import type { Config } from '../config.js';
import type { IceServersFor } from '../ice-servers.js';
import { judgeSite, siteRefusal } from '../origin.js';
import { logRefusal, type Refusals } from '../refusals.js';

export interface IceServersRouteOptions {
  config: Config;
  iceServers: IceServersFor;
  refusals: Refusals;
  access: RoomAccess;
}

/** The 401 body: the usual `{code, message}`, plus the token's refusal reason as the signaling protocol names it. */
const Unauthorized = Type.Object({
  code: Type.Literal('VC_ERR_UNAUTHORIZED'),
  message: Type.String(),
  reason: Type.Union(UNAUTHORIZED_REASONS.map((reason) => Type.Literal(reason))),
});

/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export default async function iceServersRoute(
  app: FastifyInstance,
  { config, iceServers, refusals, access }: IceServersRouteOptions,
) {
  const unauthorized = new Counter({
    name: 'vc_ice_servers_unauthorized_total',
    help: 'GET /api/ice-servers requests refused for their room token (ROOM_ACCESS=token), by reason.',
    labelNames: ['reason'],
    registers: [app.metrics.registry],
  });

  /** The site rules of /ws; an allowed cross-origin caller gets its origin back, as CORS asks. */
  function checkSite(request: FastifyRequest, reply: FastifyReply): void {
    const { origin, host } = request.headers;
    const verdict = judgeSite(config, origin, host);
    if (verdict !== 'ok') {
      logRefusal(refusals, request.log, request.ip, `${verdict} not allowed`);
      throw siteRefusal(verdict, origin, host);
    }
    if (origin !== undefined) reply.header('access-control-allow-origin', origin).header('vary', 'origin');
  }

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
        response: { 200: IceServersResponse, 401: Unauthorized },
      },
      onRequest: async (request, reply) => {
        checkSite(request, reply);
        const verdict = await access.bearer(request.headers.authorization);
        if (verdict.ok) return;
        unauthorized.labels(verdict.reason).inc();
        logRefusal(refusals, request.log, request.ip, `room token ${verdict.reason}`);
        reply.code(401).header('www-authenticate', 'Bearer').header('cache-control', 'no-store');
        return reply.send({ code: 'VC_ERR_UNAUTHORIZED', message: verdict.message, reason: verdict.reason });
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return iceServers(request.headers.host ?? 'localhost', randomBytes(12).toString('base64url'));
    },
  );

  app.options('/api/ice-servers', async (request, reply) => {
    checkSite(request, reply);
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET')
      .header('access-control-allow-headers', 'authorization')
      .header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS)
      .send();
  });
}
