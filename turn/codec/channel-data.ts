import { padTo4 } from './constants.js';
import { StunParseError } from './parse-error.js';

// ChannelData (RFC 8656 §12.4): once a channel is bound to a peer, a 4-byte
// header replaces the 36 or more bytes a Send or Data indication costs.

/**
 * The channel numbers a ChannelBind may use. RFC 8656 §12 narrowed them to
 * 0x4000–0x4FFF, but RFC 5766 clients (coturn's own turnutils among them)
 * still pick up to 0x7FFF, which ChannelData framing covers; both are taken.
 */
export const MIN_CHANNEL = 0x4000;
export const MAX_CHANNEL = 0x7fff;

const HEADER = 4;

/** Demultiplexing test: ChannelData starts with bits 01, STUN with 00 (RFC 7983). */
export function isChannelData(data: Buffer): boolean {
  return data.length >= HEADER && (data[0]! & 0xc0) === 0x40;
}

/**
 * The returned data is a view into `data`. Bytes after the declared length
 * are ignored: over UDP they are optional padding (RFC 8656 §12.5). The
 * channel is not range-checked here: an unbound channel is silently dropped
 * by the server whatever its number (§12.6).
 */
export function parseChannelData(data: Buffer): { channel: number; data: Buffer } {
  if (!isChannelData(data)) throw new StunParseError('not a ChannelData message');
  const length = data.readUInt16BE(2);
  if (HEADER + length > data.length) throw new StunParseError('ChannelData length overruns the datagram');
  return { channel: data.readUInt16BE(0), data: data.subarray(HEADER, HEADER + length) };
}

/** `padded` is for TCP and TLS, where the next frame must start on a 4-byte boundary (§12.5). */
export function encodeChannelData(channel: number, data: Buffer, padded: boolean): Buffer {
  if (!Number.isInteger(channel) || channel < MIN_CHANNEL || channel > MAX_CHANNEL) {
    throw new RangeError(`bad channel number ${channel}`);
  }
  if (data.length > 0xffff) throw new RangeError('ChannelData payload over 65535 bytes');
  // From Node's buffer pool: one is built for every datagram relayed to a client. Every byte is written below.
  const end = HEADER + data.length;
  const frame = Buffer.allocUnsafe(padded ? padTo4(end) : end);
  frame.writeUInt16BE(channel, 0);
  frame.writeUInt16BE(data.length, 2);
  data.copy(frame, HEADER);
  if (frame.length > end) frame.fill(0, end);
  return frame;
}
