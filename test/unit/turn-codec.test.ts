import { SocketAddress } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  Attr,
  MAX_ATTRIBUTES,
  MAX_CHANNEL,
  MAX_STRING_BYTES,
  MIN_CHANNEL,
  MessageBuilder,
  MessageClass,
  Method,
  StreamFramer,
  FrameTooLargeError,
  StunParseError,
  type StunMessage,
  decodeAddress,
  decodeXorAddress,
  encodeAddress,
  encodeChannelData,
  encodeXorAddress,
  fingerprintValue,
  getAttribute,
  integrityDigest,
  isChannelData,
  isStunMessage,
  longTermKey,
  parseChannelData,
  parseMessage,
  randomTransactionId,
  readChannelNumber,
  readErrorCode,
  readRequestedAddressFamily,
  readRequestedTransport,
  readString,
  readUInt32,
  readUnknownAttributes,
  shortTermKey,
  verifyFingerprint,
  verifyIntegrity,
} from '../../turn/codec/index.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2, byte for byte.
const SHORT_TERM_PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';
const TRANSACTION_ID = hex('b7 e7 a7 01 bc 34 d6 86 fa 87 df ae');
const SAMPLE_REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
const IPV4_RESPONSE = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
const IPV6_RESPONSE = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);
const LONG_TERM_REQUEST = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);
const LONG_TERM_USERNAME = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
const LONG_TERM_PASSWORD = 'The\u00adM\u00aatr\u2168';
const LONG_TERM_NONCE = 'f//499k954d6OL34oL9FSTvy64sA';

const text = (message: StunMessage, type: number) => readString(getAttribute(message, type)!, MAX_STRING_BYTES);
const types = (message: StunMessage) => message.attributes.map((attribute) => attribute.type);

function expectParseError(action: () => unknown, pattern?: RegExp): void {
  expect(action).toThrow(StunParseError);
  if (pattern) expect(action).toThrow(pattern);
}

/**
 * RFC 5769 pads with spaces where MessageBuilder pads with zeros. Copies the
 * vector's padding into `built` and signs it again, so what remains to compare
 * is everything the builder decided: header, order, lengths, placement.
 */
function withPaddingOf(vector: Buffer, built: Buffer, key: Buffer): Buffer {
  const copy = Buffer.from(built);
  for (const { offset, value } of parseMessage(vector).attributes) {
    const start = offset + 4 + value.length;
    vector.copy(copy, start, start, offset + 4 + ((value.length + 3) & ~3));
  }
  const { attributes } = parseMessage(copy);
  const integrity = attributes.find(({ type }) => type === Attr.MessageIntegrity)!;
  integrityDigest(copy, integrity.offset, key).copy(copy, integrity.offset + 4);
  const fingerprint = attributes.find(({ type }) => type === Attr.Fingerprint)!;
  copy.writeUInt32BE(fingerprintValue(copy, fingerprint.offset), fingerprint.offset + 4);
  return copy;
}

describe('RFC 5769 sample request (2.1)', () => {
  const message = parseMessage(SAMPLE_REQUEST);

  it('decodes every field', () => {
    expect(message.method).toBe(Method.Binding);
    expect(message.cls).toBe(MessageClass.Request);
    expect(message.transactionId).toEqual(TRANSACTION_ID);
    expect(types(message)).toEqual([
      Attr.Software,
      Attr.Priority,
      Attr.IceControlled,
      Attr.Username,
      Attr.MessageIntegrity,
      Attr.Fingerprint,
    ]);
    expect(text(message, Attr.Software)).toBe('STUN test client');
    expect(readUInt32(getAttribute(message, Attr.Priority)!)).toBe(0x6e0001ff);
    expect(getAttribute(message, Attr.IceControlled)).toEqual(hex('93 2f f9 b1 51 26 3b 36'));
    expect(text(message, Attr.Username)).toBe('evtj:h6vY');
  });

  it('verifies MESSAGE-INTEGRITY with the short-term password and no other', () => {
    expect(verifyIntegrity(message, shortTermKey(SHORT_TERM_PASSWORD))).toBe(true);
    expect(verifyIntegrity(message, shortTermKey('VOkJxbRl1RmTxUk/WvJxBT'))).toBe(false);
  });

  it('has a valid FINGERPRINT', () => {
    expect(verifyFingerprint(message)).toBe('valid');
  });

  it('is rebuilt byte for byte, space padding aside', () => {
    const key = shortTermKey(SHORT_TERM_PASSWORD);
    const built = new MessageBuilder(Method.Binding, MessageClass.Request, TRANSACTION_ID)
      .addString(Attr.Software, 'STUN test client')
      .addUInt32(Attr.Priority, 0x6e0001ff)
      .add(Attr.IceControlled, hex('93 2f f9 b1 51 26 3b 36'))
      .addString(Attr.Username, 'evtj:h6vY')
      .build({ integrityKey: key, fingerprint: true });
    expect(withPaddingOf(SAMPLE_REQUEST, built, key)).toEqual(SAMPLE_REQUEST);
    expect(verifyIntegrity(parseMessage(built), key)).toBe(true);
    expect(verifyFingerprint(parseMessage(built))).toBe('valid');
  });
});

describe('RFC 5769 sample responses (2.2, 2.3)', () => {
  const key = shortTermKey(SHORT_TERM_PASSWORD);

  it('decodes the IPv4 response to 192.0.2.1:32853', () => {
    const message = parseMessage(IPV4_RESPONSE);
    expect([message.method, message.cls]).toEqual([Method.Binding, MessageClass.SuccessResponse]);
    expect(text(message, Attr.Software)).toBe('test vector');
    expect(decodeXorAddress(getAttribute(message, Attr.XorMappedAddress)!, message.transactionId)).toEqual({
      family: 4,
      address: '192.0.2.1',
      port: 32853,
    });
  });

  it('decodes the IPv6 response to [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const message = parseMessage(IPV6_RESPONSE);
    expect(text(message, Attr.Software)).toBe('test vector');
    expect(decodeXorAddress(getAttribute(message, Attr.XorMappedAddress)!, message.transactionId)).toEqual({
      family: 6,
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
  });

  it('verifies both responses\u2019 MESSAGE-INTEGRITY and FINGERPRINT', () => {
    for (const vector of [IPV4_RESPONSE, IPV6_RESPONSE]) {
      const message = parseMessage(vector);
      expect(verifyIntegrity(message, key)).toBe(true);
      expect(verifyIntegrity(message, shortTermKey('wrong'))).toBe(false);
      expect(verifyFingerprint(message)).toBe('valid');
    }
  });

  it('rebuilds both responses byte for byte, space padding aside', () => {
    const cases = [
      { vector: IPV4_RESPONSE, address: { family: 4, address: '192.0.2.1', port: 32853 } },
      { vector: IPV6_RESPONSE, address: { family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 } },
    ] as const;
    for (const { vector, address } of cases) {
      const built = new MessageBuilder(Method.Binding, MessageClass.SuccessResponse, TRANSACTION_ID)
        .addString(Attr.Software, 'test vector')
        .addXorAddress(Attr.XorMappedAddress, address)
        .build({ integrityKey: key, fingerprint: true });
      expect(withPaddingOf(vector, built, key)).toEqual(vector);
    }
  });
});

describe('RFC 5769 request with long-term authentication (2.4)', () => {
  const message = parseMessage(LONG_TERM_REQUEST);
  const key = longTermKey(LONG_TERM_USERNAME, 'example.org', LONG_TERM_PASSWORD);

  it('decodes username, nonce and realm', () => {
    expect(types(message)).toEqual([Attr.Username, Attr.Nonce, Attr.Realm, Attr.MessageIntegrity]);
    expect(text(message, Attr.Username)).toBe(LONG_TERM_USERNAME);
    expect(text(message, Attr.Nonce)).toBe(LONG_TERM_NONCE);
    expect(text(message, Attr.Realm)).toBe('example.org');
  });

  it('verifies MESSAGE-INTEGRITY with the SASLprep-ed long-term key', () => {
    expect(longTermKey(LONG_TERM_USERNAME, 'example.org', 'TheMatrIX')).toEqual(key);
    expect(verifyIntegrity(message, key)).toBe(true);
    expect(verifyIntegrity(message, longTermKey(LONG_TERM_USERNAME, 'example.org', 'TheMatrix'))).toBe(false);
  });

  it('reports its FINGERPRINT as absent', () => {
    expect(verifyFingerprint(message)).toBe('absent');
  });

  it('is rebuilt byte for byte (its padding is zeros)', () => {
    const built = new MessageBuilder(Method.Binding, MessageClass.Request, message.transactionId)
      .addString(Attr.Username, LONG_TERM_USERNAME)
      .addString(Attr.Nonce, LONG_TERM_NONCE)
      .addString(Attr.Realm, 'example.org')
      .build({ integrityKey: key });
    expect(built).toEqual(LONG_TERM_REQUEST);
  });
});

describe('parseMessage', () => {
  const valid = () => Buffer.from(SAMPLE_REQUEST);

  it('returns views into the datagram, not copies', () => {
    const data = valid();
    const message = parseMessage(data);
    expect(message.raw).toBe(data);
    expect(message.attributes[0]!.value.buffer).toBe(data.buffer);
    expect(message.attributes.map(({ offset }) => offset)).toEqual([20, 40, 48, 60, 76, 100]);
  });

  it('rejects a wrong magic cookie', () => {
    const data = valid();
    data[5]! ^= 1;
    expectParseError(() => parseMessage(data), /not a STUN message/);
  });

  it('rejects a first byte whose top bits are not 00', () => {
    const data = valid();
    data[0]! |= 0x40;
    expectParseError(() => parseMessage(data), /not a STUN message/);
  });

  it('rejects anything shorter than the header', () => {
    expectParseError(() => parseMessage(SAMPLE_REQUEST.subarray(0, 19)));
  });

  it('rejects a length field that disagrees with the datagram size', () => {
    expectParseError(() => parseMessage(Buffer.concat([SAMPLE_REQUEST, Buffer.alloc(4)])), /length field/);
    expectParseError(() => parseMessage(SAMPLE_REQUEST.subarray(0, SAMPLE_REQUEST.length - 4)), /length field/);
  });

  it('rejects a length that is not a multiple of 4', () => {
    const data = Buffer.concat([SAMPLE_REQUEST.subarray(0, 20), Buffer.alloc(2)]);
    data.writeUInt16BE(2, 2);
    expectParseError(() => parseMessage(data), /multiple of 4/);
  });

  it('rejects an attribute that runs past the end', () => {
    const data = valid();
    data.writeUInt16BE(0x40, 20 + 2);
    expectParseError(() => parseMessage(data), /overruns/);
  });

  it('rejects an attribute whose padding runs past the end', () => {
    const data = new MessageBuilder(Method.Binding, MessageClass.Request, TRANSACTION_ID)
      .add(0x8fff, Buffer.alloc(4))
      .build();
    data.writeUInt16BE(5, 22);
    expectParseError(() => parseMessage(data), /overruns/);
  });

  it('rejects an attribute after FINGERPRINT', () => {
    const data = Buffer.concat([SAMPLE_REQUEST, hex('80 22 00 00')]);
    data.writeUInt16BE(data.length - 20, 2);
    expectParseError(() => parseMessage(data), /after FINGERPRINT/);
  });

  it('rejects an attribute other than MESSAGE-INTEGRITY-SHA256 or FINGERPRINT after MESSAGE-INTEGRITY', () => {
    const data = Buffer.concat([LONG_TERM_REQUEST, hex('80 22 00 00')]);
    data.writeUInt16BE(data.length - 20, 2);
    expectParseError(() => parseMessage(data), /after MESSAGE-INTEGRITY/);
  });

  it('accepts MESSAGE-INTEGRITY-SHA256 then FINGERPRINT after MESSAGE-INTEGRITY', () => {
    const data = Buffer.concat([
      LONG_TERM_REQUEST,
      hex('00 1c 00 20'),
      Buffer.alloc(32),
      hex('80 28 00 04 00 00 00 00'),
    ]);
    data.writeUInt16BE(data.length - 20, 2);
    expect(types(parseMessage(data)).slice(-3)).toEqual([
      Attr.MessageIntegrity,
      Attr.MessageIntegritySha256,
      Attr.Fingerprint,
    ]);
  });

  it(`accepts ${MAX_ATTRIBUTES} attributes and rejects one more`, () => {
    const build = (count: number) => {
      const builder = new MessageBuilder(Method.Binding, MessageClass.Request, TRANSACTION_ID);
      for (let i = 0; i < count; i++) builder.add(Attr.Software, Buffer.alloc(0));
      return builder.build();
    };
    expect(parseMessage(build(MAX_ATTRIBUTES)).attributes).toHaveLength(MAX_ATTRIBUTES);
    expectParseError(() => parseMessage(build(MAX_ATTRIBUTES + 1)), /more than/);
  });
});

describe('MessageBuilder', () => {
  it('encodes every TURN method and class so they parse back unchanged', () => {
    for (const method of Object.values(Method)) {
      for (const cls of Object.values(MessageClass)) {
        const message = parseMessage(new MessageBuilder(method, cls, TRANSACTION_ID).build());
        expect([message.method, message.cls]).toEqual([method, cls]);
      }
    }
    expect(
      new MessageBuilder(Method.Allocate, MessageClass.ErrorResponse, TRANSACTION_ID).build().readUInt16BE(0),
    ).toBe(0x0113);
  });

  it('pads attribute values with zero bytes', () => {
    const built = new MessageBuilder(Method.Binding, MessageClass.Request, TRANSACTION_ID)
      .addString(Attr.Username, 'abcde')
      .build();
    expect(built.subarray(20)).toEqual(hex('00 06 00 05 61 62 63 64 65 00 00 00'));
  });

  it('signs its own messages so that tampering is detected', () => {
    const key = longTermKey('alice', 'example.org', 'secret');
    const built = new MessageBuilder(Method.Allocate, MessageClass.Request, randomTransactionId())
      .addUInt32(Attr.RequestedTransport, 17 << 24)
      .addString(Attr.Username, 'alice')
      .build({ integrityKey: key, fingerprint: true });
    expect(verifyIntegrity(parseMessage(built), key)).toBe(true);
    expect(verifyFingerprint(parseMessage(built))).toBe('valid');
    built[24]! ^= 1;
    expect(verifyIntegrity(parseMessage(built), key)).toBe(false);
    expect(verifyFingerprint(parseMessage(built))).toBe('invalid');
  });

  it('refuses a message too long for the 16-bit length field', () => {
    const builder = new MessageBuilder(Method.Send, MessageClass.Indication, TRANSACTION_ID).add(
      Attr.Data,
      Buffer.alloc(0xffff - 4),
    );
    expect(() => builder.build()).toThrow(RangeError);
  });

  it('refuses a transaction id that is not 12 bytes', () => {
    expect(() => new MessageBuilder(Method.Binding, MessageClass.Request, Buffer.alloc(16))).toThrow(RangeError);
  });
});

describe('ERROR-CODE', () => {
  it('encodes class and number with the RFC reason phrase by default', () => {
    const message = parseMessage(
      new MessageBuilder(Method.Allocate, MessageClass.ErrorResponse, TRANSACTION_ID).addErrorCode(438).build(),
    );
    const value = getAttribute(message, Attr.ErrorCode)!;
    expect(value).toEqual(Buffer.concat([hex('00 00 04 26'), Buffer.from('Stale Nonce')]));
    expect(readErrorCode(value)).toEqual({ code: 438, reason: 'Stale Nonce' });
  });

  it('carries a custom reason phrase', () => {
    const message = parseMessage(
      new MessageBuilder(Method.Refresh, MessageClass.ErrorResponse, TRANSACTION_ID)
        .addErrorCode(401, 'Unauthorized')
        .build(),
    );
    expect(readErrorCode(getAttribute(message, Attr.ErrorCode)!)).toEqual({ code: 401, reason: 'Unauthorized' });
  });

  it('rejects a class outside 3–6, a number over 99 and a short value', () => {
    expectParseError(() => readErrorCode(hex('00 00 02 00')));
    expectParseError(() => readErrorCode(hex('00 00 07 00')));
    expectParseError(() => readErrorCode(hex('00 00 04 64')));
    expectParseError(() => readErrorCode(hex('00 00 04')));
  });

  it('refuses to encode a code outside 300–699', () => {
    const builder = new MessageBuilder(Method.Allocate, MessageClass.ErrorResponse, TRANSACTION_ID);
    expect(() => builder.addErrorCode(299)).toThrow(RangeError);
    expect(() => builder.addErrorCode(700)).toThrow(RangeError);
  });
});

describe('attribute readers', () => {
  it('read a 32-bit value only from exactly 4 bytes', () => {
    expect(readUInt32(hex('00 00 02 58'))).toBe(600);
    expectParseError(() => readUInt32(hex('00 00 02')));
    expectParseError(() => readUInt32(hex('00 00 02 58 00')));
  });

  it('read the protocol number from REQUESTED-TRANSPORT', () => {
    expect(readRequestedTransport(hex('11 00 00 00'))).toBe(17);
    expectParseError(() => readRequestedTransport(hex('11')));
  });

  it('read channel numbers only within 0x4000–0x7FFF (RFC 8656 and RFC 5766 clients)', () => {
    expect(readChannelNumber(hex('40 00 00 00'))).toBe(MIN_CHANNEL);
    expect(readChannelNumber(hex('4f ff 00 00'))).toBe(0x4fff);
    expect(readChannelNumber(hex('7f ff 00 00'))).toBe(MAX_CHANNEL);
    expectParseError(() => readChannelNumber(hex('3f ff 00 00')));
    expectParseError(() => readChannelNumber(hex('80 00 00 00')));
    expectParseError(() => readChannelNumber(hex('40 00')));
  });

  it('read strings only when valid UTF-8 and within the byte limit', () => {
    expect(readString(Buffer.from('h\u00e9llo'), 6)).toBe('h\u00e9llo');
    expectParseError(() => readString(Buffer.from('h\u00e9llo'), 5), /longer than 5/);
    expectParseError(() => readString(hex('61 c3 28'), 10), /UTF-8/);
    expectParseError(() => readString(hex('ed a0 80'), 10), /UTF-8/);
  });

  it('read UNKNOWN-ATTRIBUTES as written by the builder', () => {
    const message = parseMessage(
      new MessageBuilder(Method.Allocate, MessageClass.ErrorResponse, TRANSACTION_ID)
        .addErrorCode(420)
        .addUnknownAttributes([0x0031, 0x7fff, 0x0002])
        .build(),
    );
    expect(readUnknownAttributes(getAttribute(message, Attr.UnknownAttributes)!)).toEqual([0x0031, 0x7fff, 0x0002]);
    expectParseError(() => readUnknownAttributes(hex('00 31 00')));
  });

  it('read the requested address family, flagging an unknown one for 440', () => {
    expect(readRequestedAddressFamily(hex('01 00 00 00'))).toBe(4);
    expect(readRequestedAddressFamily(hex('02 00 00 00'))).toBe(6);
    expect(() => readRequestedAddressFamily(hex('03 00 00 00'))).toThrow(expect.objectContaining({ errorCode: 440 }));
    expect(() => readRequestedAddressFamily(hex('01 00'))).toThrow(expect.objectContaining({ errorCode: 400 }));
  });
});

describe('addresses', () => {
  it('XOR-encodes IPv4 as RFC 5769 does', () => {
    const address = { family: 4, address: '192.0.2.1', port: 32853 } as const;
    expect(encodeXorAddress(address, TRANSACTION_ID)).toEqual(hex('00 01 a1 47 e1 12 a6 43'));
    expect(decodeXorAddress(hex('00 01 a1 47 e1 12 a6 43'), TRANSACTION_ID)).toEqual(address);
  });

  it('XOR-encodes IPv6 with the cookie and the transaction id', () => {
    const address = { family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 } as const;
    const value = hex('00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9');
    expect(encodeXorAddress(address, TRANSACTION_ID)).toEqual(value);
    expect(decodeXorAddress(value, TRANSACTION_ID)).toEqual(address);
  });

  it('round-trips MAPPED-ADDRESS in the clear', () => {
    const address = { family: 6, address: 'fe80::1', port: 3478 } as const;
    const value = encodeAddress(address);
    expect(value).toEqual(hex('00 02 0d 96 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01'));
    expect(decodeAddress(value)).toEqual(address);
  });

  it('prints IPv6 exactly as node:net does', () => {
    const samples = [
      '::',
      '::1',
      '::2',
      '1::',
      '::ffff:0:0',
      '::ffff:1.2.3.4',
      '::a:b',
      '::1:0:0',
      '1:0:0:1::1',
      '1:0:1:0:1:0:1:0',
      '1:0:0:2:0:0:0:3',
      '0:0:1:0:0:0:0:0',
      'ffff::ffff',
      '2001:db8:0:0:1:0:0:1',
      '0:0:0:0:1:ffff:1:2',
    ];
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      const words = Array.from({ length: 8 }, () =>
        ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 4 === 0 ? seed & 0xffff : 0,
      );
      samples.push(words.map((word) => word.toString(16)).join(':'));
    }
    for (const sample of samples) {
      const canonical = new SocketAddress({ address: sample, family: 'ipv6' }).address;
      const decoded = decodeXorAddress(
        encodeXorAddress({ family: 6, address: sample, port: 1 }, TRANSACTION_ID),
        TRANSACTION_ID,
      );
      expect(decoded.address, sample).toBe(canonical);
    }
  });

  it('rejects an unknown family or a length that does not fit the family', () => {
    expectParseError(() => decodeXorAddress(hex('00 03 00 00 00 00 00 00'), TRANSACTION_ID), /family/);
    expectParseError(() => decodeXorAddress(hex('00 01 00 00 00 00 00 00 00'), TRANSACTION_ID), /length/);
    expectParseError(() => decodeAddress(hex('00 02 00 00 00 00 00 00')), /length/);
    expectParseError(() => decodeAddress(hex('00 01')));
  });

  it('refuses to encode a bad port, a zone id or a family mismatch', () => {
    expect(() => encodeAddress({ family: 4, address: '192.0.2.1', port: 70000 })).toThrow(RangeError);
    expect(() => encodeAddress({ family: 6, address: 'fe80::1%eth0', port: 1 })).toThrow(RangeError);
    expect(() => encodeAddress({ family: 4, address: '::1', port: 1 })).toThrow(RangeError);
    expect(() => encodeAddress({ family: 6, address: '1:2:3:4:5:6:7:8:9', port: 1 })).toThrow(RangeError);
  });
});

describe('ChannelData', () => {
  it('encodes without padding for UDP and with it for streams', () => {
    expect(encodeChannelData(0x4001, hex('aa bb cc'), false)).toEqual(hex('40 01 00 03 aa bb cc'));
    expect(encodeChannelData(0x4001, hex('aa bb cc'), true)).toEqual(hex('40 01 00 03 aa bb cc 00'));
  });

  it('parses a frame and ignores trailing UDP padding', () => {
    const { channel, data } = parseChannelData(hex('4f ff 00 02 11 22 00 00'));
    expect(channel).toBe(0x4fff);
    expect(data).toEqual(hex('11 22'));
  });

  it('rejects a length that overruns the datagram, a short header and non-ChannelData', () => {
    expectParseError(() => parseChannelData(hex('40 00 00 05 11 22 33 44')), /overruns/);
    expectParseError(() => parseChannelData(hex('40 00 00')));
    expectParseError(() => parseChannelData(hex('00 01 00 00')));
  });

  it('refuses to encode a channel outside 0x4000–0x7FFF', () => {
    expect(() => encodeChannelData(0x3fff, Buffer.alloc(0), false)).toThrow(RangeError);
    expect(() => encodeChannelData(0x8000, Buffer.alloc(0), false)).toThrow(RangeError);
  });

  it('is told apart from STUN by its first two bits', () => {
    const frame = encodeChannelData(0x4000, Buffer.alloc(20), false);
    expect([isChannelData(frame), isStunMessage(frame)]).toEqual([true, false]);
    expect([isChannelData(SAMPLE_REQUEST), isStunMessage(SAMPLE_REQUEST)]).toEqual([false, true]);
    expect(isChannelData(hex('80 00 00 00'))).toBe(false);
  });
});

describe('StreamFramer', () => {
  const channelFrame = (length: number) => encodeChannelData(0x4abc, Buffer.alloc(length, 0x5a), true);
  const frames = [
    SAMPLE_REQUEST,
    channelFrame(3),
    IPV6_RESPONSE,
    channelFrame(0),
    channelFrame(8),
    LONG_TERM_REQUEST,
    channelFrame(1),
  ];
  const stream = Buffer.concat(frames);
  const expected = frames.map((frame) => (isChannelData(frame) ? frame.subarray(0, 4 + frame.readUInt16BE(2)) : frame));

  it('frames a mixed stream delivered one byte at a time', () => {
    const framer = new StreamFramer();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...framer.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(expected);
  });

  it('frames a mixed stream delivered in one chunk', () => {
    expect(new StreamFramer().push(stream)).toEqual(expected);
  });

  it('frames the stream whatever single point it is split at', () => {
    for (let split = 0; split <= stream.length; split++) {
      const framer = new StreamFramer();
      const out = [...framer.push(stream.subarray(0, split)), ...framer.push(stream.subarray(split))];
      expect(out, `split at ${split}`).toEqual(expected);
    }
  });

  it('returns ChannelData without its stream padding', () => {
    expect(new StreamFramer().push(channelFrame(5))).toEqual([hex('4a bc 00 05 5a 5a 5a 5a 5a')]);
  });

  it('does not hand out a frame it later overwrites', () => {
    const framer = new StreamFramer();
    framer.push(SAMPLE_REQUEST.subarray(0, 10));
    const [first] = framer.push(Buffer.concat([SAMPLE_REQUEST.subarray(10), IPV4_RESPONSE.subarray(0, 10)]));
    framer.push(IPV4_RESPONSE.subarray(10, 30));
    expect(first).toEqual(SAMPLE_REQUEST);
  });

  it('throws on a first byte starting with bits 10 or 11', () => {
    expectParseError(() => new StreamFramer().push(hex('80')), /neither/);
    expectParseError(() => new StreamFramer().push(Buffer.concat([SAMPLE_REQUEST, hex('c0')])), /neither/);
  });

  it('throws as soon as a header announces a frame over the limit', () => {
    expectParseError(() => new StreamFramer(1024).push(hex('40 00 04 00')), /exceeds 1024/);
    expect(new StreamFramer(1024).push(hex('40 00 03 fc'))).toEqual([]);
  });

  it('throws on a STUN length that is not a multiple of 4', () => {
    expectParseError(() => new StreamFramer().push(hex('00 01 00 03')), /multiple of 4/);
  });

  it('takes frames up to a raised limit from then on, keeping what it holds, and never lowers it', () => {
    const framer = new StreamFramer(1024);
    expect(framer.push(hex('40 00'))).toEqual([]);
    framer.raiseLimit(4096);
    const [frame] = framer.push(Buffer.concat([hex('07 fc'), Buffer.alloc(2044, 1)]));
    expect(frame?.length).toBe(2048);
    framer.raiseLimit(64);
    expect(framer.push(Buffer.concat([hex('40 00 07 fc'), Buffer.alloc(2044, 1)]))).toHaveLength(1);
    expect(() => framer.push(hex('40 00 10 00'))).toThrow(FrameTooLargeError);
  });
});
