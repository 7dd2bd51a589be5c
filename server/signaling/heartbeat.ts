/**
 * Finds peers that vanished without a close frame: each tick pings every
 * socket, and cuts one that has shown no sign of life (a pong or any frame)
 * since the tick before, so its room hears `peer-left` within two intervals.
 */
import type { Session } from './session.js';

/** Starts the ticks; returns what stops them. */
export function startHeartbeat(sessions: Iterable<Session>, intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const session of sessions) {
      // A socket paused for its byte budget is not read, so its pongs wait too; it is not dead.
      if (session.throttle.paused) continue;
      if (!session.alive) {
        session.log.info('heartbeat timeout');
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
