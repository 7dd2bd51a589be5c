/**
 * `GET /healthz`: the process is up. `GET /readyz`: it accepts new calls.
 * Once shutdown begins Fastify answers every new request, these included,
 * with 503, so a load balancer stops sending before sockets are closed.
 */
import type { FastifyInstance } from 'fastify';

const Status = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const;

export default async function health(app: FastifyInstance) {
  app.get('/healthz', { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { response: { 200: Status } } }, async () => ({ status: 'ready' }));
}
