/**
 * `GET /ws`: the signaling WebSocket. Checks origin and capacity before the
 * upgrade, gives each socket a Session, passes frames through the gate in
 * frames.ts, finds dead peers by ping/pong, and on shutdown tells every peer
 * before closing.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type WebSocket from 'ws';
import type { Config } from '../config.js';
import { CloseCode } from '../../protocol/close-codes.js';
import { judgeSite, siteRefusal } from '../origin.js';
import {
  ServerFullError,
  ShuttingDownError,
  TooManyConnectionsError,
  UpgradeRequiredError,
} from '../errors.js';
import { Rooms } from '../signaling/rooms.js';
import { Session } from '../signaling/session.js';
import { Sessions } from '../signaling/sessions.js';
import { TokenBucket } from '../signaling/token-bucket.js';
import { SignalingContext } from '../signaling/context.js';
import type { IceServersFor } from '../ice-servers.js';
import { createSignalingMetrics } from '../signaling/metrics.js';
import { onFrame } from '../signaling/frames.js';
import type { ResumeTokens } from '../signaling/resume-token.js';

export interface SignalingOptions {
  config: Config;
  iceServers: IceServersFor;
  resumeTokens: ResumeTokens;
}

/** How much larger than MAX_FRAME_BYTES a frame may be before ws closes the socket (1009) unread. */
const HARD_FRAME_FACTOR = 4;

export default async function signaling(app: FastifyInstance, { config, iceServers, resumeTokens }: SignalingOptions) {
  const sessions = new Sessions();
  /** Open sockets per client address (the proxy's X-Forwarded-For when TRUST_PROXY is on). */
  const perAddress = new Map<string, number>();
  const rooms = new Rooms<Session>(config.roomCapacity);
  const metrics = createSignalingMetrics(app.metrics.registry, {
    connections: () => sessions.size,
    rooms: () => rooms.roomCount,
    peers: () => rooms.memberCount,
  });
  const ctx = new SignalingContext({ config, rooms, sessions, metrics, iceServers, resumeTokens });
  let closing = false;

  const heartbeat = setInterval(() => {
    for (const session of sessions) {
      if (!session.alive) {
        session.log.info('heartbeat timeout');
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }, config.heartbeatIntervalMs);

  // Added before @fastify/websocket so it runs before the plugin's own
  // preClose, which then unhooks the upgrade listener and closes the server.
  app.addHook('preClose', async () => {
    closing = true;
    clearInterval(heartbeat);
    await closeAll();
  });

  await app.register(websocket, {
    options: { maxPayload: config.maxFrameBytes * HARD_FRAME_FACTOR, perMessageDeflate: false },
    errorHandler(error, socket, request) {
      request.log.info({ err: error }, 'signaling socket error');
      socket.terminate();
    },
  });

  async function closeAll(): Promise<void> {
    if (sessions.size === 0) return;
    app.log.info({ connections: sessions.size }, 'telling peers the server is shutting down');
    const allClosed = new Promise<void>((resolve) => {
      for (const session of sessions) session.socket.once('close', () => sessions.size === 0 && resolve());
    });
    for (const session of sessions) {
      session.clearJoinTimer();
      ctx.reject(session, 'server-shutdown', 'the server is shutting down; reconnect shortly');
      session.close(CloseCode.GoingAway, 'server shutting down');
    }
    let grace: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (grace = setTimeout(resolve, config.shutdownGraceMs)));
    await Promise.race([allClosed, graceOver]);
    clearTimeout(grace);
    for (const session of sessions) session.socket.terminate();
  }

  app.route({
    method: 'GET',
    url: '/ws',
    onRequest: async (request) => {
      if (closing) {
        metrics.refused('shutting-down');
        throw new ShuttingDownError();
      }
      const { origin, host } = request.headers;
      const verdict = judgeSite(config, origin, host);
      if (verdict !== 'ok') {
        metrics.refused(verdict);
        request.log.info({ origin, host }, `${verdict} refused`);
        throw siteRefusal(verdict, origin, host);
      }
      if (sessions.size >= config.maxConnections) {
        metrics.refused('capacity');
        throw new ServerFullError();
      }
      if ((perAddress.get(request.ip) ?? 0) >= config.maxConnectionsPerIp) {
        metrics.refused('address');
        request.log.info({ ip: request.ip }, 'too many connections from one address');
        throw new TooManyConnectionsError();
      }
    },
    handler: async () => {
      throw new UpgradeRequiredError();
    },
    wsHandler: (socket: WebSocket, request) => {
      const id = randomBytes(12).toString('base64url');
      const bucket = new TokenBucket(config.rateLimitPerSecond, config.rateLimitBurst);
      const session = new Session(id, socket, request.log, bucket, config.maxBufferedBytes, request.headers.host ?? 'localhost');
      sessions.add(session);
      const address = request.ip;
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      session.log.debug({ origin: request.headers.origin }, 'connected');
      ctx.armJoinTimer(session);

      socket.on('message', (data, isBinary) => onFrame(ctx, session, data as Buffer, isBinary));
      socket.on('pong', () => {
        session.alive = true;
      });
      socket.on('close', (code) => {
        session.clearJoinTimer();
        // Without a close frame (1006), or cut by a server error, the client will try to come back.
        ctx.removeFromRoom(session, code === 1006 || code === CloseCode.InternalError ? 'disconnected' : 'left');
        sessions.delete(session);
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left === 0) perAddress.delete(address);
        else perAddress.set(address, left);
        session.log.debug({ code }, 'disconnected');
      });
    },
  });
}
