/**
 * The open signaling sockets, and which one holds each peer id. A peer id is
 * held by one socket at most: a resumed id is taken from its old socket (see
 * SignalingContext.takeOver) before it is given to the new one, so one id
 * can never be in two rooms, or twice in one.
 */
import type { Session } from './session.js';

export class Sessions implements Iterable<Session> {
  private readonly open = new Set<Session>();
  private readonly byId = new Map<string, Session>();
  private readonly byHolder = new Map<string, Session>();

  add(session: Session): void {
    this.open.add(session);
    this.byId.set(session.id, session);
    this.byHolder.set(session.holder, session);
  }

  delete(session: Session): void {
    this.open.delete(session);
    this.byHolder.delete(session.holder);
    if (this.byId.get(session.id) === session) this.byId.delete(session.id);
  }

  /** The open socket of this node that `holder` names, if any. */
  held(holder: string): Session | undefined {
    return this.byHolder.get(holder);
  }

  /** The open socket that holds peer id `id`, if any. */
  holding(id: string): Session | undefined {
    return this.byId.get(id);
  }

  /** Gives `session` the peer id `id`; a socket that held it must have been taken over first. */
  rename(session: Session, id: string): void {
    if (this.byId.get(session.id) === session) this.byId.delete(session.id);
    session.rename(id);
    this.byId.set(id, session);
  }

  get size(): number {
    return this.open.size;
  }

  [Symbol.iterator](): Iterator<Session> {
    return this.open.values();
  }
}
