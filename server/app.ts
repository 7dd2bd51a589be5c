/**
 * buildApp(config) assembles the server from its plugins and never listens:
 * main.ts listens, tests use inject() or listen on port 0.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import metrics from './plugins/metrics.js';
import health from './plugins/health.js';
import signaling from './plugins/signaling.js';
import staticFiles from './plugins/static.js';
import { createIceServers } from './ice-servers.js';
import iceServersRoute from './plugins/ice-servers.js';
import { createSharedState } from './shared-state.js';
import { Refusals } from './refusals.js';
import pendingRequests from './plugins/pending-requests.js';
import { createRoomAccess } from './access/room-access.js';

export interface BuildOptions {
  /** Where logs go; stdout when omitted. Tests pass a stream to read them. */
  logStream?: DestinationStream;
}

/** Paths pino must never print, wherever a secret could travel. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-key"]',
  ...['token', 'resume', 'password', 'credential', 'secret'].flatMap((key) => [key, `*.${key}`]),
];

/** Query parameters that carry a secret: a room link's token (`/r/standup?token=…`, `/ice-test?token=…`). */
const SECRET_PARAMS = /([?&](?:token|resume)=)[^&#]*/gi;

/**
 * Fastify's own request serializer, with secret query parameters masked:
 * REDACT works on log fields, and a URL is one string.
 */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.replace(SECRET_PARAMS, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Believes the nearest `hops` proxies, as proxy-addr does for a number. */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** How often Node looks for requests past REQUEST_TIMEOUT_MS (its default, 30 s, would add up to that much). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const refusals = new Refusals();
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // In shared mode every line says which node wrote it.
      ...(config.redisUrl === undefined
        ? {}
        : { base: { pid: process.pid, hostname: hostname(), node: config.nodeId } }),
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { req: serializeRequest },
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    },
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Requests that arrive while shutdown drains the sockets are answered by
    // their routes (readyz says 503, /ws refuses with a reason) rather than
    // by Fastify's bare 503, which would leave an upgrade's socket open.
    return503OnClosing: false,
    // A request must arrive whole, headers first, within REQUEST_TIMEOUT_MS, or it gets 408 and its connection closes.
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    // Probes and scrapes would drown the log, and so would a client address being refused
    // (refusals.ts logs about it sparingly instead); every other request is logged.
    logController: new LogController({
      disableRequestLogging: (request) =>
        QUIET_PATHS.has(request.url.split('?', 1)[0] ?? '') || refusals.isRecent((request as { ip?: string }).ip ?? ''),
    }),
  });

  // Fastify's own 404 logs the whole URL, query and all; this one answers the same without logging it.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    reply.code(404).send({ code: 'VC_ERR_NOT_FOUND', message: `no route for ${request.method} ${path}` });
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    reply.code(status).send({
      code: error.code ?? 'VC_ERR_INTERNAL',
      message: status >= 500 && error.code === undefined ? 'internal server error' : error.message,
    });
  });

  // A response still in flight when shutdown begins would leave its
  // keep-alive connection open for up to keepAliveTimeout and hold up
  // close(); ask the client to close it instead.
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });

  await app.register(metrics);
  await app.register(pendingRequests, { maxPendingPerAddress: config.maxPendingRequestsPerIp, refusals });
  if (config.sessionSecret === undefined) {
    const shared = config.redisUrl === undefined ? '' : '; in shared mode every node needs the same one';
    app.log.info(`SESSION_SECRET not set; generated one, so peer ids will not survive a restart${shared}`);
  }
  const shared = createSharedState(
    config,
    app.log,
    app.metrics.registry,
    config.sessionSecret ?? randomBytes(32).toString('base64url'),
  );
  // Registered before the signaling plugin, so it runs after it has released the rooms (onClose runs in reverse).
  app.addHook('onClose', () => shared.close());
  await app.register(health, { unavailable: () => (shared.rooms.available ? undefined : 'redis-unavailable') });
  if (config.redisUrl !== undefined) {
    app.log.info('REDIS_URL set: shared mode, rooms live in Redis (docs/scaling.md)');
  }
  const iceServers = createIceServers(config);
  const access = await createRoomAccess(config, Date.now, app.log);
  if (access.mode === 'open') {
    app.log.info('ROOM_ACCESS=open: anyone who knows a room name may join it; use token in production');
  } else {
    const publicKeys = config.roomTokenPublicKeys?.keys.map((key) => `${key.kid ?? '(unnamed)'} ${key.alg}`) ?? [];
    const hs256 = config.roomTokenSecret !== undefined;
    app.log.info({ hs256, publicKeys }, 'ROOM_ACCESS=token: joins and GET /api/ice-servers need a room token');
  }
  await app.register(signaling, { config, iceServers, shared, refusals, access });
  await app.register(iceServersRoute, { config, iceServers, refusals, access });
  await app.register(staticFiles, { dir: config.staticDir });
  return app;
}
