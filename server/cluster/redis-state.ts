/**
 * Shared mode: the room store, the bans and the resume-token records in one
 * Redis, for every node. Bans and resume records are plain keys that expire
 * by themselves; their writes are sent at once and not waited for (a kicked
 * peer's socket is closed on its node as the ban is written; a token reaches
 * its client after its record reached Redis, on the same connection).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { KICK_BAN_MS, type BanList } from '../signaling/bans.js';
import { resumeTokenCodec, type ResumeLedger } from '../signaling/resume-token.js';
import { StoreUnavailableError } from '../signaling/room-store.js';
import type { SharedState } from '../shared-state.js';
import { createClusterMetrics } from './metrics.js';
import { RedisRoomStore } from './redis-store.js';

/** The record of a revoked id: no token equals it. */
const REVOKED = '';

/** KEYS: the id's record; ARGV: the token, its lifetime (ms). The record of a spent token is one no token equals. */
const SPEND = `
local known = redis.call('GET', KEYS[1])
if known ~= false and known ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], '', 'PX', ARGV[2])
return 1
`;

export function createRedisState(
  config: Config,
  url: string,
  log: FastifyBaseLogger,
  registry: Registry,
  secret: string,
): SharedState {
  const node = config.nodeId;
  // The gauges read the store, which counts into the metrics: each needs the other, and the gauges are read later.
  const store: { rooms?: RedisRoomStore } = {};
  const metrics = createClusterMetrics(registry, node, {
    rooms: () => store.rooms?.roomCount ?? 0,
    members: () => store.rooms?.memberCount ?? 0,
    up: () => store.rooms?.available ?? false,
  });
  const rooms = new RedisRoomStore({
    url,
    node,
    capacity: config.roomCapacity,
    heartbeatMs: config.clusterHeartbeatMs,
    log,
    metrics,
  });
  store.rooms = rooms;
  const redis = rooms.requests;
  const write = (what: string) => (error: unknown) => {
    metrics.failed();
    log.warn({ err: error }, `could not write ${what} to Redis`);
  };

  const bans: BanList = {
    ban(room, user) {
      redis.set(banKey(room, user), '1', 'PX', KICK_BAN_MS).catch(write('a ban'));
    },
    async secondsLeft(room, user) {
      const ms = await ask(() => redis.pttl(banKey(room, user)));
      return ms > 0 ? Math.ceil(ms / 1000) : 0;
    },
  };

  const lifetimeMs = config.resumeLifetimeSeconds * 1000;
  const codec = resumeTokenCodec(secret, config.resumeLifetimeSeconds);
  const resumeTokens: ResumeLedger = {
    issue(room, id) {
      const token = codec.sign(room, id);
      redis.set(resumeKey(id), token, 'PX', lifetimeMs).catch(write('a resume token'));
      return token;
    },
    revoke(id) {
      redis.set(resumeKey(id), REVOKED, 'PX', lifetimeMs).catch(write('a revocation'));
    },
    async verify(room, token) {
      const read = codec.read(room, token);
      if (read === undefined) return undefined;
      const known = await ask(() => redis.get(resumeKey(read.id)));
      // No record: it expired with the token, or Redis lost it (a restart without persistence). The token
      // itself is genuine and unexpired, so it resumes; docs/scaling.md says what that allows.
      if (known === null) return read.id;
      return known === token ? read.id : undefined;
    },
    async spend(room, token) {
      const read = codec.read(room, token);
      if (read === undefined) return undefined;
      // Compared and replaced in one step, so two nodes cannot both spend it.
      const spent = await ask(() => redis.eval(SPEND, 1, resumeKey(read.id), token, String(lifetimeMs)));
      return spent === 1 ? read.id : undefined;
    },
  };

  return {
    rooms,
    bans,
    resumeTokens,
    close: () => rooms.close(),
  };

  async function ask<T>(request: () => Promise<T>): Promise<T> {
    if (!rooms.available) throw new StoreUnavailableError();
    try {
      return await request();
    } catch (error) {
      metrics.failed();
      throw new StoreUnavailableError(error);
    }
  }
}

const banKey = (room: string, user: string) => `vc:ban:${room}:${user}`;
const resumeKey = (id: string) => `vc:resume:${id}`;
