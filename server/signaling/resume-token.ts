/**
 * Resume tokens: `<peer id>.<issue time, base36 ms>.<HMAC>`, signed with the
 * session secret and bound to one room. Each `welcome` brings a new one, and
 * only a peer id's latest token resumes it: a token works once (the join
 * that uses it gets the next), and an older one never again.
 *
 * The latest token of each peer id is remembered in memory, for at most
 * `maxPeers` ids; beyond that the oldest is forgotten, and its tokens are
 * refused (the client joins as a new peer, and its calls start over). A token
 * issued before this process started has no record; it is accepted once, so
 * that calls survive a restart when SESSION_SECRET is set. Once any id has
 * been forgotten that is no longer safe (an id without a record may have
 * been forgotten, not never seen), and such tokens are refused too.
 * A revoked id (a kicked peer) keeps a record that no token matches, so that
 * none of its tokens resumes it again, not even one from before the restart.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ResumeTokens {
  /** A fresh token for `id` in `room`; from now on the only one that resumes `id`. */
  issue(room: string, id: string): string;
  /**
   * The peer id `token` resumes in `room`, or undefined if it is forged, expired, for another room, or not the latest.
   */
  verify(room: string, token: string): string | undefined;
  /** From now on no token resumes `id`: its peer was removed from its room. */
  revoke(id: string): void;
}

/**
 * What the signaling handlers use: ResumeTokens, whose record of the latest
 * token may live elsewhere (in Redis, shared by every node: see
 * server/cluster/), so that verifying may wait. Writes are sent at once and
 * not waited for: a token reaches its client after it reached the store.
 */
export interface ResumeLedger {
  issue(room: string, id: string): string;
  /** As ResumeTokens.verify; the token stays usable. */
  verify(room: string, token: string): string | undefined | Promise<string | undefined>;
  /**
   * As verify, and from now on the token resumes nothing: of two sockets
   * that send the same token at once, to any nodes, one gets the id.
   */
  spend(room: string, token: string): string | undefined | Promise<string | undefined>;
  revoke(id: string): void;
}

/** The record of a revoked id: no token equals it. */
const REVOKED = '';

export interface ResumeTokenOptions {
  secret: string;
  lifetimeSeconds: number;
  /** Peer ids whose latest token is remembered. */
  maxPeers: number;
  now?: () => number;
}

/**
 * How a token is written and checked, whoever keeps the record of the latest
 * one: here (createResumeTokens) or in Redis (server/cluster/).
 */
export function resumeTokenCodec(secret: string, lifetimeSeconds: number, now: () => number = Date.now) {
  const mac = (room: string, id: string, issued: string) =>
    createHmac('sha256', secret).update(`resume-v2\0${room}\0${id}\0${issued}`).digest().subarray(0, 16);
  return {
    /** A fresh token for `id` in `room`. */
    sign(room: string, id: string): string {
      const issued = Math.floor(now()).toString(36);
      return `${id}.${issued}.${mac(room, id, issued).toString('base64url')}`;
    },
    /** The id and issue time (ms) of a genuine, unexpired token for `room`; undefined for any other. */
    read(room: string, token: string): { id: string; issuedAt: number } | undefined {
      const [id, issued, signature, ...rest] = token.split('.');
      if (id === undefined || issued === undefined || signature === undefined || rest.length > 0) return undefined;
      if (id === '' || !/^[0-9a-z]{1,12}$/.test(issued)) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(room, id, issued);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const issuedAt = parseInt(issued, 36);
      if (issuedAt + lifetimeSeconds * 1000 <= now()) return undefined;
      return { id, issuedAt };
    },
  };
}

export function createResumeTokens({
  secret,
  lifetimeSeconds,
  maxPeers,
  now = Date.now,
}: ResumeTokenOptions): ResumeTokens {
  const startedAt = now();
  const codec = resumeTokenCodec(secret, lifetimeSeconds, now);
  /** Each peer id's latest token, in the order they were issued. */
  const latest = new Map<string, string>();
  let forgotAny = false;

  const remember = (id: string, token: string) => {
    latest.delete(id);
    latest.set(id, token);
    if (latest.size > maxPeers) {
      for (const oldest of latest.keys()) {
        latest.delete(oldest);
        break;
      }
      forgotAny = true;
    }
  };

  return {
    issue(room, id) {
      const token = codec.sign(room, id);
      remember(id, token);
      return token;
    },
    revoke(id) {
      remember(id, REVOKED);
    },
    verify(room, token) {
      const read = codec.read(room, token);
      if (read === undefined) return undefined;
      const known = latest.get(read.id);
      if (known !== undefined) return known === token ? read.id : undefined;
      return read.issuedAt < startedAt && !forgotAny ? read.id : undefined;
    },
  };
}
