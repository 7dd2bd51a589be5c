/**
 * What happens on an admitted socket, from its upgrade to its close: it gets
 * a Session and a join deadline; what it reads is charged to its byte
 * budgets; its frames go through the gate in frames.ts; its pongs count as
 * life; and its close takes it out of its room and out of the registry.
 */
import type { FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import type { Connections } from './connections.js';
import { peerLeftReason, type SignalingContext } from './context.js';
import { onFrame } from './frames.js';

export function wireSocket(
  ctx: SignalingContext,
  connections: Connections,
  socket: WebSocket,
  request: FastifyRequest,
): void {
  const session = connections.open({
    socket,
    ip: request.ip,
    log: request.log,
    host: request.headers.host ?? 'localhost',
  });
  session.log.debug({ origin: request.headers.origin }, 'connected');
  ctx.armJoinTimer(session);

  // Registered after ws's own listener: ws decodes the chunk, then it is charged.
  request.raw.socket.on('data', (chunk: Buffer) => session.throttle.charge(chunk.length));
  socket.on('message', (data, isBinary) => onFrame(ctx, session, data as Buffer, isBinary));
  socket.on('pong', () => {
    session.alive = true;
  });
  socket.on('close', (code) => {
    session.throttle.stop();
    session.clearJoinTimer();
    ctx.removeFromRoom(session, peerLeftReason(code));
    connections.close(session);
    session.log.debug({ code }, 'disconnected');
  });
}
