/** The one table from inbound message type to its handler. */
import type { ClientMessage, ClientMessageType } from '../../../protocol/signaling.js';
import type { SignalingContext } from '../context.js';
import type { Session } from '../session.js';
import { join } from './join.js';
import { signal } from './signal.js';
import { iceServers } from './ice-servers.js';
import { leave } from './leave.js';

type Handler<M> = (ctx: SignalingContext, session: Session, message: M) => void;

export const handlers: { [T in ClientMessageType]: Handler<Extract<ClientMessage, { type: T }>> } = {
  join,
  signal,
  'ice-servers': iceServers,
  leave,
};

export function dispatch(ctx: SignalingContext, session: Session, message: ClientMessage): void {
  (handlers[message.type] as Handler<ClientMessage>)(ctx, session, message);
}
