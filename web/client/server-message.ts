/**
 * Reads one inbound signaling frame. The server validates what it sends, but
 * a proxy, a mismatched server version or a bug can still put anything on the
 * wire, and the client must survive it: a frame that is not JSON, or not
 * shaped like a ServerMessage in the fields the client reads, is refused here
 * with a reason instead of throwing in the socket's message handler. The
 * check is by hand: the TypeBox schemas in protocol/ would bring a validator
 * into the embed's 20 KB bundle (and so would any runtime import from
 * protocol/signaling.ts, which builds them when loaded).
 */
import type { ServerMessage, UnauthorizedReason } from '../../protocol/signaling.js';

export type ParsedFrame = { ok: true; message: ServerMessage } | { ok: false; reason: string };

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isStringList = (value: unknown): boolean => Array.isArray(value) && value.every(isString);

const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isOptional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);
const isRole = (value: unknown): boolean => value === 'host' || value === 'guest';
/** protocol/'s UNAUTHORIZED_REASONS, as keys that the compiler holds to exactly that list without importing it. */
const REASONS: Record<UnauthorizedReason, true> = {
  missing: true,
  malformed: true,
  'bad-signature': true,
  expired: true,
  'not-yet-valid': true,
  'wrong-room': true,
  'wrong-audience': true,
  'unknown-key': true,
  'too-long': true,
  kicked: true,
};
const isReason = (value: unknown): boolean => isString(value) && Object.hasOwn(REASONS, value);
const isOutcome = (value: unknown): boolean => value === 'admitted' || value === 'denied' || value === 'left';

const isPeer = (value: unknown): boolean =>
  isObject(value) && isString(value.id) && isString(value.name) && isOptional(value.role, isRole);

const isIceServer = (value: unknown): boolean =>
  isObject(value) &&
  (isString(value.urls) || isStringList(value.urls)) &&
  (value.username === undefined || isString(value.username)) &&
  (value.credential === undefined || isString(value.credential));

const isIceServerList = (value: unknown): boolean => Array.isArray(value) && value.every(isIceServer);

/** A whole number ≥ 0: a TTL, and also a chat `mid` or `ts`. */
const isTtl = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function isSignalData(value: unknown): boolean {
  if (!isObject(value)) return false;
  const { description, candidate } = value;
  if (isObject(description)) {
    return isString(description.type) && (description.sdp === undefined || isString(description.sdp));
  }
  return isObject(candidate) && isString(candidate.candidate);
}

/** The fields each message type must carry for the client to act on it. */
const SHAPES: Record<ServerMessage['type'], (message: Fields) => boolean> = {
  welcome: (m) =>
    isString(m.id) &&
    isString(m.room) &&
    Array.isArray(m.peers) &&
    m.peers.every(isPeer) &&
    isIceServerList(m.iceServers) &&
    isTtl(m.ttl) &&
    isString(m.resume) &&
    isBoolean(m.resumed) &&
    isOptional(m.role, isRole) &&
    isOptional(m.locked, isBoolean),
  'peer-joined': (m) => isPeer(m.peer),
  'peer-left': (m) => isString(m.id) && (m.reason === 'left' || m.reason === 'disconnected'),
  signal: (m) => isString(m.from) && isSignalData(m.data),
  'ice-servers': (m) => isIceServerList(m.iceServers) && isTtl(m.ttl),
  error: (m) => isString(m.code) && isString(m.message) && isOptional(m.reason, isReason) && isOptional(m.mid, isTtl),
  lobby: (m) => isString(m.id) && isString(m.room) && isBoolean(m.hostPresent),
  knock: (m) => isPeer(m.peer),
  'knock-ended': (m) => isString(m.id) && isOutcome(m.outcome),
  muted: (m) => isPeer(m.by),
  'room-locked': (m) => isBoolean(m.locked) && isPeer(m.by),
  chat: (m) => isPeer(m.from) && isTtl(m.mid) && isString(m.text) && isTtl(m.ts),
};

const isKnownType = (type: unknown): type is ServerMessage['type'] => isString(type) && Object.hasOwn(SHAPES, type);

export function parseServerMessage(frame: unknown): ParsedFrame {
  if (!isString(frame)) return { ok: false, reason: 'a binary frame' };
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return { ok: false, reason: 'a frame that is not JSON' };
  }
  if (!isObject(value)) return { ok: false, reason: 'a frame that is not a JSON object' };
  const { type } = value;
  if (!isKnownType(type)) return { ok: false, reason: `a frame of unknown type ${JSON.stringify(type ?? null)}` };
  if (!SHAPES[type](value)) return { ok: false, reason: `a malformed ${type} frame` };
  return { ok: true, message: value as ServerMessage };
}
