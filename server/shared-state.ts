/**
 * Where rooms, bans and resume tokens live: in this process (the default,
 * one node), or, with REDIS_URL, in Redis, shared by every node of the
 * deployment (docs/scaling.md). The one place that chooses; the rest of the
 * server sees the same three interfaces either way.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import { Bans, type BanList } from './signaling/bans.js';
import { MemoryRoomStore } from './signaling/memory-store.js';
import { createResumeTokens, type ResumeLedger } from './signaling/resume-token.js';
import type { RoomStore } from './signaling/room-store.js';
import { createRedisState } from './cluster/redis-state.js';

export interface SharedState {
  rooms: RoomStore;
  bans: BanList;
  resumeTokens: ResumeLedger;
  /** After the signaling plugin has released the rooms: closes what connects to Redis. */
  close(): Promise<void>;
}

export function createSharedState(
  config: Config,
  log: FastifyBaseLogger,
  registry: Registry,
  secret: string,
): SharedState {
  if (config.redisUrl !== undefined) return createRedisState(config, config.redisUrl, log, registry, secret);
  const tokens = createResumeTokens({
    secret,
    lifetimeSeconds: config.resumeLifetimeSeconds,
    maxPeers: config.maxResumablePeers,
  });
  return {
    rooms: new MemoryRoomStore(config.roomCapacity),
    bans: new Bans(),
    // In one process nothing runs between a join's spend and the welcome that issues the next token.
    resumeTokens: { ...tokens, spend: tokens.verify },
    close: () => Promise.resolve(),
  };
}
