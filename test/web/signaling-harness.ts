/**
 * The signaling client on a fake socket, with every event it reports
 * recorded, for the tests of its logic.
 */
import type { IceServer } from '../../protocol/ice.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { SignalingClient, type SignalingEvents } from '../../web/client/signaling-client.js';
import { fakeSockets } from './fake-socket.js';

export const URL = 'wss://calls.example/ws';
export const SERVERS: IceServer[] = [{ urls: 'turn:relay.example:3478', username: '1:u', credential: 'c' }];
export const FRESH: IceServer[] = [{ urls: 'turn:relay.example:3478', username: '2:u', credential: 'd' }];

export function welcome(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'welcome',
    v: PROTOCOL_VERSION,
    id: 'peer-a',
    room: 'standup',
    peers: [],
    iceServers: SERVERS,
    ttl: 600,
    resume: 'token-1',
    resumed: false,
    ...fields,
  };
}

export interface Recorded {
  statuses: string[];
  errors: Array<{ code: string; message: string; fatal: boolean; reason?: string }>;
  welcomes: unknown[];
  iceServers: Array<{ servers: IceServer[]; scheduled: boolean }>;
  peersJoined: unknown[];
  /** The 1.1 messages (lobby, knock, knock-ended, muted, room-locked), as [event, ...arguments]. */
  room: unknown[][];
}

export function recorder(): { events: SignalingEvents; seen: Recorded } {
  const seen: Recorded = { statuses: [], errors: [], welcomes: [], iceServers: [], peersJoined: [], room: [] };
  const events: SignalingEvents = {
    welcome: (message) => seen.welcomes.push(message),
    peerJoined: (peer) => seen.peersJoined.push(peer),
    peerLeft: () => undefined,
    signal: () => undefined,
    iceServers: (servers, scheduled) => seen.iceServers.push({ servers, scheduled }),
    lobby: (message) => seen.room.push(['lobby', message]),
    knock: (peer) => seen.room.push(['knock', peer]),
    knockEnded: (id, outcome) => seen.room.push(['knockEnded', id, outcome]),
    muted: (by) => seen.room.push(['muted', by]),
    roomLocked: (locked, by) => seen.room.push(['roomLocked', locked, by]),
    status: (status) => seen.statuses.push(status),
    error: (code, message, fatal, reason) =>
      seen.errors.push({ code, message, fatal, ...(reason === undefined ? {} : { reason }) }),
  };
  return { events, seen };
}

export function setup(timeoutMs = 5_000, token?: () => string | undefined) {
  const net = fakeSockets();
  const { events, seen } = recorder();
  const client = new SignalingClient(
    {
      url: URL,
      room: 'standup',
      name: 'Ada',
      socket: net.open,
      iceServersTimeoutMs: timeoutMs,
      ...(token === undefined ? {} : { token }),
    },
    events,
  );
  client.start();
  return { client, net, seen, events };
}

/** Starts a client and joins it: the socket is open and welcomed. */
export function joined(timeoutMs?: number) {
  const context = setup(timeoutMs);
  context.net.last().accept();
  context.net.last().deliver(welcome());
  return context;
}
