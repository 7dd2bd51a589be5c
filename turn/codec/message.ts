import { randomBytes } from 'node:crypto';
import { Attr, HEADER_BYTES, MAGIC_COOKIE, padTo4 } from './constants.js';
import { decodeMessageType } from './message-type.js';
import { StunParseError } from './parse-error.js';

export { MessageBuilder } from './message-builder.js';
export { StunParseError } from './parse-error.js';

export interface StunAttribute {
  type: number;
  /** Exactly the attribute's declared length, padding excluded; a view into `raw`. */
  value: Buffer;
  /** byte offset of the attribute header within the message */
  offset: number;
}

export interface StunMessage {
  method: number;
  cls: number;
  /** 12 bytes; a view into `raw`. */
  transactionId: Buffer;
  attributes: StunAttribute[];
  raw: Buffer;
}

/** Caps the work a single datagram can cause; real TURN messages carry about a dozen. */
export const MAX_ATTRIBUTES = 64;

export function getAttribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((attribute) => attribute.type === type)?.value;
}

/** Demultiplexing test (RFC 7983): cheap enough to run on every datagram before parsing. */
export function isStunMessage(data: Buffer): boolean {
  return data.length >= HEADER_BYTES && (data[0]! & 0xc0) === 0 && data.readUInt32BE(4) === MAGIC_COOKIE;
}

/**
 * Parses one complete message without copying: every Buffer in the result is
 * a view into `data`, so the caller must not reuse `data` while it holds them.
 * Padding bytes are not checked (RFC 5769's vectors pad with spaces).
 */
export function parseMessage(data: Buffer): StunMessage {
  if (!isStunMessage(data)) throw new StunParseError('not a STUN message');
  const length = data.readUInt16BE(2);
  if (length !== data.length - HEADER_BYTES) throw new StunParseError('length field does not match the message size');
  if (length % 4 !== 0) throw new StunParseError('length is not a multiple of 4');

  const attributes: StunAttribute[] = [];
  let last: Section = 'none';
  for (let offset = HEADER_BYTES; offset < data.length;) {
    if (attributes.length === MAX_ATTRIBUTES) throw new StunParseError(`more than ${MAX_ATTRIBUTES} attributes`);
    const type = data.readUInt16BE(offset);
    const valueLength = data.readUInt16BE(offset + 2);
    const end = offset + 4 + padTo4(valueLength);
    if (end > data.length) throw new StunParseError(`attribute 0x${type.toString(16)} overruns the message`);
    last = nextSection(last, type);
    attributes.push({ type, value: data.subarray(offset + 4, offset + 4 + valueLength), offset });
    offset = end;
  }

  const { method, cls } = decodeMessageType(data.readUInt16BE(0));
  return { method, cls, transactionId: data.subarray(8, HEADER_BYTES), attributes, raw: data };
}

/** What the last attribute seen closed off. */
type Section = 'none' | 'integrity' | 'integrity-sha256' | 'fingerprint';

/**
 * RFC 8489 §14.5–14.7: MESSAGE-INTEGRITY may be followed only by
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, MESSAGE-INTEGRITY-SHA256 only by
 * FINGERPRINT, and FINGERPRINT ends the message. The RFC lets receivers ignore
 * stray attributes instead; refusing them keeps unauthenticated bytes from
 * ever reaching the server.
 */
function nextSection(last: Section, type: number): Section {
  if (last === 'fingerprint') throw new StunParseError('attribute after FINGERPRINT');
  if (type === Attr.Fingerprint) return 'fingerprint';
  if (type === Attr.MessageIntegritySha256 && last !== 'integrity-sha256') return 'integrity-sha256';
  if (last !== 'none') throw new StunParseError('attribute after MESSAGE-INTEGRITY');
  return type === Attr.MessageIntegrity ? 'integrity' : 'none';
}

export function randomTransactionId(): Buffer {
  return randomBytes(12);
}
