/**
 * `GET /ws`: the signaling WebSocket. This file assembles it; each job is
 * its own module under signaling/: the registry of sockets and addresses
 * (connections.ts), the checks before the upgrade (admission.ts), what each
 * socket does (socket-wiring.ts), finding dead peers (heartbeat.ts), and
 * telling every peer on shutdown (drain.ts).
 *
 * Wrapped by fastify-plugin only to declare its name and that it needs the
 * metrics plugin (Fastify refuses to boot without it); it stays encapsulated,
 * so the WebSocket plugin it registers is its own.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type WebSocket from 'ws';
import type { Config } from '../config.js';
import { UpgradeRequiredError } from '../errors.js';
import type { IceServersFor } from '../ice-servers.js';
import type { Refusals } from '../refusals.js';
import type { RoomAccess } from '../access/types.js';
import { SignalingContext } from '../signaling/context.js';
import { createSignalingMetrics } from '../signaling/metrics.js';
import type { SharedState } from '../shared-state.js';
import { Connections } from '../signaling/connections.js';
import { Admission } from '../signaling/admission.js';
import { wireSocket } from '../signaling/socket-wiring.js';
import { startHeartbeat } from '../signaling/heartbeat.js';
import { drain } from '../signaling/drain.js';

export interface SignalingOptions {
  config: Config;
  /** Decides who may join which room, and as what (server/access/). */
  access: RoomAccess;
  iceServers: IceServersFor;
  /** Rooms, bans and resume tokens: in this process, or in Redis for every node (server/shared-state.ts). */
  shared: SharedState;
  refusals: Refusals;
}

/** How much larger than MAX_FRAME_BYTES a frame may be before ws closes the socket (1009) unread. */
const HARD_FRAME_FACTOR = 4;

async function signaling(app: FastifyInstance, options: SignalingOptions) {
  const { config, access, iceServers, shared, refusals } = options;
  const { rooms, bans, resumeTokens } = shared;
  const connections = new Connections(config, () => metrics.paused());
  const metrics = createSignalingMetrics(app.metrics.registry, {
    connections: () => connections.size,
    rooms: () => rooms.roomCount,
    peers: () => rooms.memberCount,
    waiting: () => rooms.waitingCount,
    addresses: () => connections.addresses.size,
  });
  const { sessions, addresses } = connections;
  const parts = { config, access, rooms, bans, sessions, metrics, iceServers, resumeTokens, refusals };
  const ctx = new SignalingContext(parts);
  await rooms.start(ctx);
  const admission = new Admission({ config, connections: () => connections.size, addresses, metrics, refusals });
  const stopHeartbeat = startHeartbeat(sessions, config.heartbeatIntervalMs);

  // Added before @fastify/websocket so it runs before the plugin's own
  // preClose, which then unhooks the upgrade listener and closes the server.
  app.addHook('preClose', async () => {
    admission.close();
    stopHeartbeat();
    connections.stop();
    await drain(ctx, app.log, config.shutdownGraceMs);
  });

  const wsOptions = {
    maxPayload: config.maxFrameBytes * HARD_FRAME_FACTOR,
    perMessageDeflate: false,
    // ws (8.23) cuts a socket that has not answered our close frame within closeTimeout;
    // @types/ws does not know the option yet.
    closeTimeout: config.closeTimeoutMs,
  };
  await app.register(websocket, {
    options: wsOptions,
    errorHandler(error, socket, request) {
      request.log.info({ err: error }, 'signaling socket error');
      socket.terminate();
    },
  });

  app.route({
    method: 'GET',
    url: '/ws',
    onRequest: async (request) => admission.check(request),
    handler: async () => {
      throw new UpgradeRequiredError();
    },
    wsHandler: (socket: WebSocket, request) => wireSocket(ctx, connections, socket, request),
  });
}

export default fp(signaling, { name: 'signaling', dependencies: ['metrics'], encapsulate: true });
