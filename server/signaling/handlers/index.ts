/**
 * The one table from inbound message type to its handler, and beside it the
 * one table of who may send each type: roles decide, checked once here, so no
 * handler checks a role by hand.
 */
import type { ClientMessage, ClientMessageType } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { join } from './join.js';
import { signal } from './signal.js';
import { iceServers } from './ice-servers.js';
import { leave } from './leave.js';
import { admit } from './admit.js';
import { deny } from './deny.js';
import { kick } from './kick.js';
import { mute } from './mute.js';
import { lock } from './lock.js';
import { chat } from './chat.js';

type Handler<M> = (ctx: SignalingContext, session: Session, message: M) => void | Promise<void>;

/** `anyone`: any socket (the handler says what needs a seat); `host`: a session seated with the host role. */
export type Permission = 'anyone' | 'host';

export const permissions: { readonly [T in ClientMessageType]: Permission } = {
  join: 'anyone',
  signal: 'anyone',
  'ice-servers': 'anyone',
  leave: 'anyone',
  admit: 'host',
  deny: 'host',
  kick: 'host',
  mute: 'host',
  lock: 'host',
  chat: 'anyone',
};

export const handlers: { [T in ClientMessageType]: Handler<Extract<ClientMessage, { type: T }>> } = {
  join,
  signal,
  'ice-servers': iceServers,
  leave,
  admit,
  deny,
  kick,
  mute,
  lock,
  chat,
};

/**
 * Runs the handler of `message`, if the session may send it. A refusal for
 * the role (`forbidden`) changes nothing else: the socket and its call go on.
 * Returns the handler's promise when it has one (the caller handles its failure).
 */
export function dispatch(ctx: SignalingContext, session: Session, message: ClientMessage): void | Promise<void> {
  if (permissions[message.type] === 'host') {
    if (session.room === undefined) {
      ctx.reject(session, 'not-joined', `join a room before sending ${message.type}`);
      return;
    }
    if (session.role !== 'host') {
      ctx.reject(session, 'forbidden', `only a host may send ${message.type}`);
      return;
    }
  }
  return (handlers[message.type] as Handler<ClientMessage>)(ctx, session, message);
}
