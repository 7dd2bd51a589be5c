/**
 * `GET /metrics` in Prometheus text format, and `app.metrics.registry` for
 * the other plugins to register their series in. One registry per app (not
 * prom-client's global one) so several apps can live in one test process.
 */
import fp from 'fastify-plugin';
import { Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry };
  }
}

export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'vc_' });
    app.decorate('metrics', { registry });

    app.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
