/**
 * The access check's contract: what a verified room token grants, and why a
 * token was refused. The one entry point that produces these is RoomAccess
 * (server/access/room-access.ts); the join handler and GET /api/ice-servers
 * both go through it, and nothing else reads a token.
 */
import type { Role, UnauthorizedReason } from '../../protocol/signaling.js';

export type AccessMode = 'open' | 'token';

/** What a session may do, decided once at join from its token (or its lack of one, in `open` mode). */
export interface Grant {
  role: Role;
  /**
   * Who the bearer is, for bans after a kick: the token's `sub`, or for a
   * token without one a digest of the token itself. Undefined without a token.
   */
  user: string | undefined;
  /** The token's `name` claim: it overrides the display name the client sends. */
  name: string | undefined;
  /** The token's `lobby` claim: a guest holding it waits to be admitted. */
  lobby: boolean;
}

export type AccessVerdict =
  | { ok: true; grant: Grant }
  /** `message` is for people and names no secret; `reason` is the protocol's. */
  | { ok: false; reason: UnauthorizedReason; message: string };

export interface RoomAccess {
  readonly mode: AccessMode;
  /**
   * The gate of `join`: may the bearer of `token` (undefined when the join
   * carried none) enter `room`? `resuming`: the join carries a valid resume
   * token, so a token that has only expired since still admits, since a call
   * already joined goes on after its token's `exp`.
   */
  join(room: string, token: string | undefined, resuming: boolean): Promise<AccessVerdict>;
  /**
   * The gate of GET /api/ice-servers: in `token` mode, a valid room token
   * (for any room) in `Authorization: Bearer <token>`; in `open` mode, anyone.
   */
  bearer(authorization: string | undefined): Promise<AccessVerdict>;
}
