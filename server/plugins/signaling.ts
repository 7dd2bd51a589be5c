/**
 * `GET /ws`: the signaling WebSocket. Checks the site, the capacity and the
 * client address's share before the upgrade, gives each socket a Session,
 * charges what it reads to its byte budgets, passes frames through the gate
 * in frames.ts, finds dead peers by ping/pong, and on shutdown tells every
 * peer before closing.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type WebSocket from 'ws';
import type { Config } from '../config.js';
import { CloseCode } from '../../protocol/close-codes.js';
import { judgeSite, siteRefusal } from '../origin.js';
import {
  OverBudgetError,
  ServerFullError,
  ShuttingDownError,
  TooManyConnectionsError,
  TooManyUpgradesError,
  UpgradeRequiredError,
} from '../errors.js';
import { Rooms } from '../signaling/rooms.js';
import { Session } from '../signaling/session.js';
import { Sessions } from '../signaling/sessions.js';
import { AddressBook, type UpgradeRefusal } from '../signaling/addresses.js';
import { SignalingContext, peerLeftReason } from '../signaling/context.js';
import type { IceServersFor } from '../ice-servers.js';
import { createSignalingMetrics } from '../signaling/metrics.js';
import { onFrame } from '../signaling/frames.js';
import type { ResumeTokens } from '../signaling/resume-token.js';
import { logRefusal, type Refusals } from '../refusals.js';

export interface SignalingOptions {
  config: Config;
  iceServers: IceServersFor;
  resumeTokens: ResumeTokens;
  refusals: Refusals;
}

/** How much larger than MAX_FRAME_BYTES a frame may be before ws closes the socket (1009) unread. */
const HARD_FRAME_FACTOR = 4;

/** How often idle client addresses are forgotten. */
const ADDRESS_SWEEP_MS = 10_000;

/**
 * One error each, made once: a flooding address is refused thousands of times
 * a second, and an error's stack trace costs more than the rest of the refusal.
 */
const ADDRESS_REFUSALS: Record<UpgradeRefusal, Error> = {
  address: new TooManyConnectionsError(),
  'over-budget': new OverBudgetError(),
  upgrades: new TooManyUpgradesError(),
};

export default async function signaling(app: FastifyInstance, { config, iceServers, resumeTokens, refusals }: SignalingOptions) {
  const sessions = new Sessions();
  const addresses = new AddressBook(config);
  const rooms = new Rooms<Session>(config.roomCapacity);
  const metrics = createSignalingMetrics(app.metrics.registry, {
    connections: () => sessions.size,
    rooms: () => rooms.roomCount,
    peers: () => rooms.memberCount,
    addresses: () => addresses.size,
  });
  const ctx = new SignalingContext({ config, rooms, sessions, metrics, iceServers, resumeTokens, refusals });
  const onPause = () => metrics.paused();
  let closing = false;

  const heartbeat = setInterval(() => {
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
  }, config.heartbeatIntervalMs);
  const sweep = setInterval(() => addresses.sweep(), ADDRESS_SWEEP_MS);

  // Added before @fastify/websocket so it runs before the plugin's own
  // preClose, which then unhooks the upgrade listener and closes the server.
  app.addHook('preClose', async () => {
    closing = true;
    clearInterval(heartbeat);
    clearInterval(sweep);
    await closeAll();
  });

  // ws (8.23) cuts a socket that has not answered our close frame within closeTimeout; @types/ws does not know the option yet.
  const wsOptions = { maxPayload: config.maxFrameBytes * HARD_FRAME_FACTOR, perMessageDeflate: false, closeTimeout: config.closeTimeoutMs };
  await app.register(websocket, {
    options: wsOptions,
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
        logRefusal(refusals, request.log, request.ip, `${verdict} not allowed`);
        throw siteRefusal(verdict, origin, host);
      }
      if (sessions.size >= config.maxConnections) {
        metrics.refused('capacity');
        throw new ServerFullError();
      }
      const refusal = addresses.admit(request.ip);
      if (refusal !== undefined) {
        metrics.refused(refusal);
        logRefusal(refusals, request.log, request.ip, refusal);
        throw ADDRESS_REFUSALS[refusal];
      }
    },
    handler: async () => {
      throw new UpgradeRequiredError();
    },
    wsHandler: (socket: WebSocket, request) => {
      const ip = request.ip;
      const session = new Session({
        id: randomBytes(12).toString('base64url'),
        socket,
        log: request.log,
        host: request.headers.host ?? 'localhost',
        address: addresses.open(ip),
        config,
        onPause,
      });
      sessions.add(session);
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
        sessions.delete(session);
        addresses.close(ip);
        session.log.debug({ code }, 'disconnected');
      });
    },
  });
}
