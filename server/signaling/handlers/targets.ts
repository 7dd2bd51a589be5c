/**
 * Whom a host control may target: a peer seated in the sender's own room, or
 * a guest waiting in its lobby, and never the sender. Anything else, a peer
 * id of another room included, is refused with the same `unknown-peer` as an
 * id nobody holds, so that a host learns nothing about other rooms. Targets
 * are the store's records: the peer may be on any node.
 */
import type { SignalingContext } from '../context.js';
import type { MemberRecord } from '../room-store.js';
import type { Session } from '../session.js';

/** The room of a session that dispatch() let send a host control, which it only does for one with a seat. */
export function seatedRoom(session: Session): string {
  const room = session.room;
  if (room === undefined) throw new Error('a host control reached its handler from a session without a seat');
  return room;
}

/** The other peer seated as `id` in `host`'s room; or undefined, `host` having been told `unknown-peer`. */
export function roomPeer(ctx: SignalingContext, host: Session, id: string): MemberRecord | undefined {
  const target = id === host.id ? undefined : ctx.rooms.view(seatedRoom(host))?.seats.get(id);
  if (target === undefined) ctx.reject(host, 'unknown-peer', `no peer "${id}" in this room`);
  return target;
}

/** The guest waiting as `id` for `host`'s room; or undefined, `host` having been told `unknown-peer`. */
export function waitingGuest(ctx: SignalingContext, host: Session, id: string): MemberRecord | undefined {
  const guest = ctx.rooms.view(seatedRoom(host))?.waiting.get(id);
  if (guest === undefined) ctx.reject(host, 'unknown-peer', `no guest "${id}" waiting for this room`);
  return guest;
}

/** How a host is named to the peers it acts on. */
export const hostName = (host: Session) => (host.name === '' ? 'a host' : host.name);
