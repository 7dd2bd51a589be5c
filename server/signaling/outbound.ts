/**
 * The one way a server→client message becomes text. It takes the protocol's
 * ServerMessage union, so a misspelt or missing field is a compile error, and
 * it returns a Frame, the only thing a Session sends: a broadcast serializes
 * once and hands the same Frame to every recipient.
 */
import type { ServerMessage } from '../../protocol/signaling.js';

declare const serialized: unique symbol;

/** JSON text of one ServerMessage; only serialize() makes one. */
export type Frame = string & { readonly [serialized]: true };

export function serialize(message: ServerMessage): Frame {
  return JSON.stringify(message) as Frame;
}
