import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Attr, HEADER_BYTES } from './constants.js';
import type { StunMessage } from './message.js';
import { saslPrep } from './sasl-prep.js';

export type FingerprintCheck = 'absent' | 'valid' | 'invalid';

const INTEGRITY_ATTRIBUTE_BYTES = 4 + 20;
const FINGERPRINT_ATTRIBUTE_BYTES = 4 + 4;
/** "STUN" in ASCII: keeps the CRC distinct from one an application protocol might carry. */
const FINGERPRINT_XOR = 0x5354554e;

/**
 * Long-term credential key, MD5(username ":" realm ":" password). Realm and
 * password go through the minimal SASLprep in sasl-prep.ts; the username is
 * used as sent, since the client already prepared it (RFC 8489 §9.2.2).
 */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5')
    .update(`${username}:${saslPrep(realm)}:${saslPrep(password)}`, 'utf8')
    .digest();
}

/** Short-term credential key (ICE): the prepared password itself. */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(saslPrep(password), 'utf8');
}

/**
 * HMAC-SHA1 of `message[0, end)` as RFC 8489 §14.5 defines it: the length
 * field is read as if the message ended right after a MESSAGE-INTEGRITY
 * attribute placed at `end`, whatever follows in the buffer.
 */
export function integrityDigest(message: Buffer, end: number, key: Buffer): Buffer {
  return createHmac('sha1', key)
    .update(message.subarray(0, 2))
    .update(lengthField(end + INTEGRITY_ATTRIBUTE_BYTES))
    .update(message.subarray(4, end))
    .digest();
}

/** FINGERPRINT value for `message[0, end)`, length field adjusted the same way (RFC 8489 §14.7). */
export function fingerprintValue(message: Buffer, end: number): number {
  let crc = crc32(message.subarray(0, 2));
  crc = crc32(lengthField(end + FINGERPRINT_ATTRIBUTE_BYTES), crc);
  crc = crc32(message.subarray(4, end), crc);
  return (crc ^ FINGERPRINT_XOR) >>> 0;
}

/**
 * Checks the first MESSAGE-INTEGRITY (parseMessage guarantees there is only
 * one). It covers the header and every attribute before it, not what follows:
 * attributes after it are unauthenticated, which is why parseMessage only
 * allows MESSAGE-INTEGRITY-SHA256 and FINGERPRINT there.
 */
export function verifyIntegrity(message: StunMessage, key: Buffer): boolean {
  const attribute = message.attributes.find(({ type }) => type === Attr.MessageIntegrity);
  if (!attribute || attribute.value.length !== 20) return false;
  return timingSafeEqual(integrityDigest(message.raw, attribute.offset, key), attribute.value);
}

export function verifyFingerprint(message: StunMessage): FingerprintCheck {
  const attribute = message.attributes.find(({ type }) => type === Attr.Fingerprint);
  if (!attribute) return 'absent';
  if (attribute.value.length !== 4) return 'invalid';
  return attribute.value.readUInt32BE(0) === fingerprintValue(message.raw, attribute.offset) ? 'valid' : 'invalid';
}

function lengthField(messageEnd: number): Buffer {
  const field = Buffer.allocUnsafe(2);
  field.writeUInt16BE(messageEnd - HEADER_BYTES, 0);
  return field;
}
