import { HEADER_BYTES, padTo4 } from './constants.js';
import { StunParseError } from './parse-error.js';

const CHANNEL_DATA_HEADER_BYTES = 4;

/** The largest frame a stream can carry: a STUN message or ChannelData with a 64 KiB payload. */
export const MAX_STREAM_FRAME_BYTES = 65_536 + HEADER_BYTES;

/** A frame above the bound: the stream is well-formed but asks for more than the relay will hold. */
export class FrameTooLargeError extends StunParseError {}

function checkedBound(maxFrameBytes: number): number {
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < HEADER_BYTES) {
    throw new RangeError(`maxFrameBytes must be an integer of at least ${HEADER_BYTES}`);
  }
  return maxFrameBytes;
}

/**
 * Cuts a TURN-over-TCP/TLS byte stream into STUN messages and ChannelData
 * frames. STUN carries its length at bytes 2–3 and is always a multiple of 4;
 * ChannelData carries its payload length there and is padded to 4 on streams
 * (RFC 8656 §12.5), so both are framed from their first 4 bytes.
 *
 * Frames that arrive whole inside one chunk are returned as views into that
 * chunk; only an incomplete frame is copied, into a buffer that never exceeds
 * roughly twice maxFrameBytes. A relay starts a connection with a small
 * bound (an unauthenticated client needs no large frame) and raises it once
 * the client holds an allocation; the bound applies from the next frame.
 * After push() throws, the stream has lost framing for good: close the
 * connection.
 */
export class StreamFramer {
  /** Start of a frame still incomplete; `held` bytes of it are valid. */
  private store = Buffer.alloc(0);
  private held = 0;

  private maxFrameBytes: number;

  constructor(maxFrameBytes = MAX_STREAM_FRAME_BYTES) {
    this.maxFrameBytes = checkedBound(maxFrameBytes);
  }

  /** Allows frames up to `maxFrameBytes` from now on (never lowers the bound). */
  raiseLimit(maxFrameBytes: number): void {
    this.maxFrameBytes = Math.max(this.maxFrameBytes, checkedBound(maxFrameBytes));
  }

  /** Returns the frames completed by `chunk`, ChannelData padding removed. */
  push(chunk: Buffer): Buffer[] {
    const fromStore = this.held > 0;
    const data = fromStore ? this.append(chunk) : chunk;
    const frames: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const size = this.frameSize(data, offset);
      if (!size || data.length - offset < size.wire) break;
      frames.push(data.subarray(offset, offset + size.frame));
      offset += size.wire;
    }
    // Returned frames may be views into the store, so it must not be written again.
    if (fromStore && frames.length > 0) this.store = Buffer.alloc(0);
    if (!fromStore || frames.length > 0) this.keep(data.subarray(offset));
    return frames;
  }

  private frameSize(data: Buffer, offset: number): { frame: number; wire: number } | undefined {
    if (offset >= data.length) return undefined;
    const kind = data[offset]! >> 6;
    if (kind > 1) throw new StunParseError('stream carries neither STUN nor ChannelData');
    if (data.length - offset < 4) return undefined;
    const length = data.readUInt16BE(offset + 2);
    if (kind === 0 && length % 4 !== 0) throw new StunParseError('STUN length not a multiple of 4');
    const frame = (kind === 0 ? HEADER_BYTES : CHANNEL_DATA_HEADER_BYTES) + length;
    const wire = kind === 0 ? frame : CHANNEL_DATA_HEADER_BYTES + padTo4(length);
    if (wire > this.maxFrameBytes) throw new FrameTooLargeError(`frame of ${wire} bytes exceeds ${this.maxFrameBytes}`);
    return { frame, wire };
  }

  /** Grows by doubling so a frame trickling in byte by byte costs linear, not quadratic, copying. */
  private append(chunk: Buffer): Buffer {
    const needed = this.held + chunk.length;
    if (needed > this.store.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.store.length * 2));
      this.store.copy(grown, 0, 0, this.held);
      this.store = grown;
    }
    chunk.copy(this.store, this.held);
    this.held = needed;
    return this.store.subarray(0, needed);
  }

  private keep(rest: Buffer): void {
    if (rest.length > this.store.length) this.store = Buffer.allocUnsafe(Math.max(rest.length, 64));
    rest.copy(this.store, 0);
    this.held = rest.length;
  }
}
