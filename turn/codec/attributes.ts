import { MAX_STRING_BYTES } from './constants.js';
import { MAX_CHANNEL, MIN_CHANNEL } from './channel-data.js';
import { StunParseError } from './parse-error.js';

// Typed readers for attribute values. Each checks the exact length its RFC
// gives, so the server can treat any StunParseError as "400 Bad Request"
// (or the error's own errorCode) without further checks.

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function readErrorCode(value: Buffer): { code: number; reason: string } {
  if (value.length < 4) throw new StunParseError('ERROR-CODE too short');
  const hundreds = value[2]! & 0x07;
  const rest = value[3]!;
  if (hundreds < 3 || hundreds > 6 || rest > 99) throw new StunParseError('ERROR-CODE out of range');
  return { code: hundreds * 100 + rest, reason: readString(value.subarray(4), MAX_STRING_BYTES) };
}

export function readUInt32(value: Buffer): number {
  expectLength(value, 4, 'a 32-bit attribute');
  return value.readUInt32BE(0);
}

/** REQUESTED-TRANSPORT: the IP protocol number (17 for UDP), then 3 reserved bytes. */
export function readRequestedTransport(value: Buffer): number {
  expectLength(value, 4, 'REQUESTED-TRANSPORT');
  return value[0]!;
}

/** CHANNEL-NUMBER: throws outside MIN_CHANNEL–MAX_CHANNEL, which RFC 8656 §12.2 answers with 400. */
export function readChannelNumber(value: Buffer): number {
  expectLength(value, 4, 'CHANNEL-NUMBER');
  const channel = value.readUInt16BE(0);
  if (channel < MIN_CHANNEL || channel > MAX_CHANNEL)
    throw new StunParseError(`channel 0x${channel.toString(16)} out of range`);
  return channel;
}

/** USERNAME, REALM, NONCE, SOFTWARE...: strict UTF-8, at most `maxBytes` (MAX_STRING_BYTES for any of them). */
export function readString(value: Buffer, maxBytes: number): string {
  if (value.length > maxBytes) throw new StunParseError(`string longer than ${maxBytes} bytes`);
  try {
    return utf8.decode(value);
  } catch {
    throw new StunParseError('string is not valid UTF-8');
  }
}

export function readUnknownAttributes(value: Buffer): number[] {
  if (value.length % 2 !== 0) throw new StunParseError('UNKNOWN-ATTRIBUTES has an odd length');
  return Array.from({ length: value.length / 2 }, (_, i) => value.readUInt16BE(i * 2));
}

/**
 * REQUESTED-ADDRESS-FAMILY (and ADDITIONAL-ADDRESS-FAMILY, same layout). An
 * unknown family is well-formed but unsupported: RFC 8656 §7.2 wants 440 for
 * it, hence the errorCode.
 */
export function readRequestedAddressFamily(value: Buffer): 4 | 6 {
  expectLength(value, 4, 'address family attribute');
  if (value[0] === 0x01) return 4;
  if (value[0] === 0x02) return 6;
  throw new StunParseError(`unknown address family ${value[0]}`, 440);
}

function expectLength(value: Buffer, length: number, what: string): void {
  if (value.length !== length) throw new StunParseError(`${what} must be ${length} bytes, got ${value.length}`);
}
