/**
 * Shutdown: every open socket is told why (`server-shutdown`, then close
 * 1001) so its client reconnects with backoff instead of guessing; sockets
 * that have not closed within the grace period are cut. Their seats stay
 * while they do: in shared mode a client resumes on another node and takes
 * its seat with it, so the room notices nothing; the store frees what is
 * left when the grace period ends (RoomStore.release).
 */
import type { FastifyBaseLogger } from 'fastify';
import { CloseCode } from '../../protocol/close-codes.js';
import type { SignalingContext } from './context.js';

export async function drain(ctx: SignalingContext, log: FastifyBaseLogger, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  ctx.drain();
  await closeAll(ctx, log, graceMs);
  await ctx.rooms.release(deadline);
}

async function closeAll(ctx: SignalingContext, log: FastifyBaseLogger, graceMs: number): Promise<void> {
  const { sessions } = ctx;
  if (sessions.size === 0) return;
  log.info({ connections: sessions.size }, 'telling peers the server is shutting down');
  const allClosed = new Promise<void>((resolve) => {
    for (const session of sessions) {
      session.socket.once('close', () => {
        if (sessions.size === 0) resolve();
      });
    }
  });
  for (const session of sessions) session.clearJoinTimer();
  ctx.rejectEach(sessions, 'server-shutdown', 'the server is shutting down; reconnect shortly');
  for (const session of sessions) session.close(CloseCode.GoingAway, 'server shutting down');
  let grace: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)));
  await Promise.race([allClosed, graceOver]);
  clearTimeout(grace);
  for (const session of sessions) session.socket.terminate();
}
