/**
 * `GET /healthz`: the process is up. `GET /readyz`: it accepts new calls,
 * and answers 503 from the moment shutdown begins, so a load balancer stops
 * sending while the peers of open calls are being told, and while the room
 * store cannot be reached (in shared mode, Redis), so that it sends new
 * calls to a node that can take them.
 */
import type { FastifyInstance } from 'fastify';

const Status = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const;

export interface HealthOptions {
  /** Why no call can be taken now (a status word), or undefined when they can. */
  unavailable: () => string | undefined;
}

export default async function health(app: FastifyInstance, options: HealthOptions) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.get('/healthz', { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { response: { 200: Status, 503: Status } } }, async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: 'shutting-down' });
    const unavailable = options.unavailable();
    if (unavailable !== undefined) return reply.code(503).send({ status: unavailable });
    return { status: 'ready' };
  });
}
