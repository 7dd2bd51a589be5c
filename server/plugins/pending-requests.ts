/**
 * Until its first request has arrived whole, a connection holds a descriptor
 * and a parser, and all we know of it is its TCP address. One address may
 * hold MAX_PENDING_REQUESTS_PER_IP such connections; one more is closed as
 * soon as it is accepted, before any of it is read. REQUEST_TIMEOUT_MS
 * (app.ts) bounds how long a connection may stay pending.
 *
 * Only pending connections count. Behind a reverse proxy every connection
 * comes from the proxy's one address, and once a connection's request is
 * in, it is the proxy's to keep (a finished WebSocket, a kept-alive HTTP
 * connection) and is no longer counted here.
 */
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { logRefusal, type Refusals } from '../refusals.js';

export interface PendingRequestsOptions {
  maxPendingPerAddress: number;
  refusals: Refusals;
}

export default async function pendingRequests(
  app: FastifyInstance,
  { maxPendingPerAddress, refusals }: PendingRequestsOptions,
) {
  const pendingPerAddress = new Map<string, number>();
  const addressOf = new WeakMap<Socket, string>();
  const refused = new Counter({
    name: 'vc_http_connections_refused_total',
    help: 'TCP connections closed on accept because their address had MAX_PENDING_REQUESTS_PER_IP requests pending.',
    registers: [app.metrics.registry],
  });

  /** The connection's first request is in, or it closed: it is no longer pending. */
  const settled = (socket: Socket): void => {
    const address = addressOf.get(socket);
    if (address === undefined) return;
    addressOf.delete(socket);
    const left = (pendingPerAddress.get(address) ?? 1) - 1;
    if (left === 0) pendingPerAddress.delete(address);
    else pendingPerAddress.set(address, left);
  };

  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const pending = pendingPerAddress.get(address) ?? 0;
    if (pending >= maxPendingPerAddress) {
      refused.inc();
      logRefusal(refusals, app.log, address, 'too many requests pending');
      socket.destroy();
      return;
    }
    pendingPerAddress.set(address, pending + 1);
    addressOf.set(socket, address);
    socket.once('close', () => settled(socket));
  });
  app.server.on('request', (request: IncomingMessage) => settled(request.socket));
  app.server.on('upgrade', (_request: IncomingMessage, socket: Socket) => settled(socket));
}
