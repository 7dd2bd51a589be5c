import { type TransportAddress, encodeXorAddress } from './address.js';
import { MAX_CHANNEL, MIN_CHANNEL } from './channel-data.js';
import { Attr, ErrorReason, HEADER_BYTES, MAGIC_COOKIE, TransportProtocol, padTo4 } from './constants.js';
import { fingerprintValue, integrityDigest } from './integrity.js';
import { encodeMessageType } from './message-type.js';

export interface BuildOptions {
  /** Appends MESSAGE-INTEGRITY (HMAC-SHA1) keyed with this. */
  integrityKey?: Buffer;
  /** Appends FINGERPRINT, after MESSAGE-INTEGRITY when both are asked for. */
  fingerprint?: boolean;
}

/**
 * Collects attributes in order and lays the message out once in build(), so
 * the integrity and fingerprint attributes, which cover everything before
 * them, always come last. Bad arguments are programming errors: RangeError.
 */
export class MessageBuilder {
  private readonly attributes: { type: number; value: Buffer }[] = [];
  private readonly type: number;

  constructor(
    method: number,
    cls: number,
    private readonly transactionId: Buffer,
  ) {
    if (!isUInt(method, 0xfff)) throw new RangeError(`bad method ${method}`);
    if (!isUInt(cls, 3)) throw new RangeError(`bad class ${cls}`);
    if (transactionId.length !== 12) throw new RangeError('a transaction id is 12 bytes');
    this.type = encodeMessageType(method, cls);
  }

  add(type: number, value: Buffer): this {
    if (!isUInt(type, 0xffff)) throw new RangeError(`bad attribute type ${type}`);
    if (value.length > 0xffff) throw new RangeError(`attribute 0x${type.toString(16)} is too long`);
    this.attributes.push({ type, value });
    return this;
  }

  addString(type: number, value: string): this {
    return this.add(type, Buffer.from(value, 'utf8'));
  }

  addUInt32(type: number, value: number): this {
    if (!isUInt(value, 0xffffffff)) throw new RangeError(`bad 32-bit value ${value}`);
    const bytes = Buffer.allocUnsafe(4);
    bytes.writeUInt32BE(value, 0);
    return this.add(type, bytes);
  }

  addXorAddress(type: number, address: TransportAddress): this {
    return this.add(type, encodeXorAddress(address, this.transactionId));
  }

  /** ERROR-CODE: 21 reserved bits, the hundreds digit in 3 bits, the rest in 8 (RFC 8489 §14.8). */
  addErrorCode(code: number, reason = ErrorReason[code] ?? ''): this {
    if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError(`bad error code ${code}`);
    const phrase = Buffer.from(reason, 'utf8');
    const value = Buffer.alloc(4 + phrase.length);
    value[2] = Math.floor(code / 100);
    value[3] = code % 100;
    phrase.copy(value, 4);
    return this.add(Attr.ErrorCode, value);
  }

  /**
   * ADDRESS-ERROR-CODE (RFC 8656): the family not allocated, then the
   * code as ERROR-CODE puts it, in an Allocate success response.
   */
  addAddressErrorCode(family: 4 | 6, code: number, reason = ErrorReason[code] ?? ''): this {
    if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError(`bad error code ${code}`);
    const phrase = Buffer.from(reason, 'utf8');
    const value = Buffer.alloc(4 + phrase.length);
    value[0] = family === 4 ? 0x01 : 0x02;
    value[2] = Math.floor(code / 100);
    value[3] = code % 100;
    phrase.copy(value, 4);
    return this.add(Attr.AddressErrorCode, value);
  }

  /** REQUESTED-TRANSPORT: the protocol number, then 3 reserved bytes (RFC 8656 §18.7). */
  addRequestedTransport(protocol: number = TransportProtocol.UDP): this {
    if (!isUInt(protocol, 0xff)) throw new RangeError(`bad protocol number ${protocol}`);
    return this.add(Attr.RequestedTransport, Buffer.from([protocol, 0, 0, 0]));
  }

  /** CHANNEL-NUMBER: the number, then 2 reserved bytes (RFC 8656 §18.1). */
  addChannelNumber(channel: number): this {
    if (!Number.isInteger(channel) || channel < MIN_CHANNEL || channel > MAX_CHANNEL) {
      throw new RangeError(`bad channel number ${channel}`);
    }
    const value = Buffer.alloc(4);
    value.writeUInt16BE(channel, 0);
    return this.add(Attr.ChannelNumber, value);
  }

  /** EVEN-PORT: one byte whose top bit asks the relay to reserve the next port too (RFC 8656 §18.6). */
  addEvenPort(reserveNext: boolean): this {
    return this.add(Attr.EvenPort, Buffer.from([reserveNext ? 0x80 : 0]));
  }

  addUnknownAttributes(types: number[]): this {
    const value = Buffer.allocUnsafe(types.length * 2);
    types.forEach((type, i) => value.writeUInt16BE(type, i * 2));
    return this.add(Attr.UnknownAttributes, value);
  }

  /** Pads with zero bytes. Can be called more than once, e.g. to sign the same response for two keys. */
  build(options: BuildOptions = {}): Buffer {
    const { integrityKey, fingerprint = false } = options;
    const bodyLength =
      this.attributes.reduce((sum, { value }) => sum + 4 + padTo4(value.length), 0) +
      (integrityKey ? 4 + 20 : 0) +
      (fingerprint ? 4 + 4 : 0);
    if (bodyLength > 0xffff) throw new RangeError('message too long for the 16-bit length field');

    const message = Buffer.alloc(HEADER_BYTES + bodyLength);
    message.writeUInt16BE(this.type, 0);
    message.writeUInt16BE(bodyLength, 2);
    message.writeUInt32BE(MAGIC_COOKIE, 4);
    this.transactionId.copy(message, 8);
    let offset = HEADER_BYTES;
    for (const { type, value } of this.attributes) {
      offset = writeAttributeHeader(message, offset, type, value.length);
      value.copy(message, offset);
      offset += padTo4(value.length);
    }
    if (integrityKey) {
      const digest = integrityDigest(message, offset, integrityKey);
      offset = writeAttributeHeader(message, offset, Attr.MessageIntegrity, digest.length);
      offset += digest.copy(message, offset);
    }
    if (fingerprint) {
      const crc = fingerprintValue(message, offset);
      offset = writeAttributeHeader(message, offset, Attr.Fingerprint, 4);
      message.writeUInt32BE(crc, offset);
    }
    return message;
  }
}

function writeAttributeHeader(message: Buffer, offset: number, type: number, length: number): number {
  message.writeUInt16BE(type, offset);
  message.writeUInt16BE(length, offset + 2);
  return offset + 4;
}

function isUInt(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}
