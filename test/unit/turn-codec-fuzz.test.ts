import { describe, expect, it } from 'vitest';
import {
  Attr,
  MAX_STRING_BYTES,
  MessageBuilder,
  MessageClass,
  Method,
  StreamFramer,
  StunParseError,
  decodeAddress,
  decodeXorAddress,
  encodeChannelData,
  isChannelData,
  isStunMessage,
  longTermKey,
  parseChannelData,
  parseMessage,
  readChannelNumber,
  readErrorCode,
  readRequestedAddressFamily,
  readRequestedTransport,
  readString,
  readUInt32,
  readUnknownAttributes,
  verifyFingerprint,
  verifyIntegrity,
} from '../../turn/codec/index.js';
import { prng } from '../helpers/prng.js';

// Bounded, seeded fuzzing: every decoder must either return or throw
// StunParseError on hostile bytes. Fixed seeds make every run identical, and a
// failure prints the offending input in hex.

const SEED = 0x5eed_2024;
const CASES = 20_000;

const KEY = longTermKey('alice', 'example.org', 'secret');
const TRANSACTION_ID = Buffer.from('000102030405060708090a0b', 'hex');

const READERS: ((value: Buffer) => unknown)[] = [
  readErrorCode,
  readUInt32,
  readRequestedTransport,
  readChannelNumber,
  (value) => readString(value, MAX_STRING_BYTES),
  readUnknownAttributes,
  readRequestedAddressFamily,
  decodeAddress,
  (value) => decodeXorAddress(value, TRANSACTION_ID),
];

/** Valid messages and frames for the mutator to start from. */
function seeds(): Buffer[] {
  const build = (method: number, cls: number) => new MessageBuilder(method, cls, TRANSACTION_ID);
  return [
    build(Method.Allocate, MessageClass.Request)
      .addUInt32(Attr.RequestedTransport, 17 << 24)
      .add(Attr.RequestedAddressFamily, Buffer.from([2, 0, 0, 0]))
      .addString(Attr.Username, 'alice')
      .addString(Attr.Realm, 'example.org')
      .addString(Attr.Nonce, 'c2VjcmV0LW5vbmNl')
      .build({ integrityKey: KEY, fingerprint: true }),
    build(Method.Allocate, MessageClass.SuccessResponse)
      .addXorAddress(Attr.XorRelayedAddress, { family: 6, address: '2001:db8::7', port: 50_000 })
      .addXorAddress(Attr.XorMappedAddress, { family: 4, address: '198.51.100.9', port: 40_000 })
      .addUInt32(Attr.Lifetime, 600)
      .build({ integrityKey: KEY, fingerprint: true }),
    build(Method.ChannelBind, MessageClass.Request)
      .addUInt32(Attr.ChannelNumber, 0x4001 << 16)
      .addXorAddress(Attr.XorPeerAddress, { family: 4, address: '203.0.113.5', port: 9 })
      .build({ integrityKey: KEY }),
    build(Method.Send, MessageClass.Indication)
      .addXorAddress(Attr.XorPeerAddress, { family: 4, address: '203.0.113.5', port: 9 })
      .add(Attr.Data, Buffer.from('payload!!'))
      .build(),
    build(Method.Allocate, MessageClass.ErrorResponse)
      .addErrorCode(420)
      .addUnknownAttributes([0x0031, 0x0032, 0x0033])
      .add(Attr.MappedAddress, Buffer.from('0001000ac0000201', 'hex'))
      .build({ fingerprint: true }),
    encodeChannelData(0x4001, Buffer.from('hello'), true),
    encodeChannelData(0x4fff, Buffer.alloc(0), false),
  ];
}

function mutate(random: ReturnType<typeof prng>, original: Buffer): Buffer {
  let data = Buffer.from(original);
  const rounds = 1 + random.int(4);
  for (let round = 0; round < rounds; round++) {
    const at = random.int(Math.max(data.length, 1));
    switch (random.int(6)) {
      case 0:
        data[at] = random.int(256);
        break;
      case 1:
        data[at] = (data[at] ?? 0) ^ (1 << random.int(8));
        break;
      case 2:
        data = data.subarray(0, at);
        break;
      case 3:
        data = Buffer.concat([data.subarray(0, at), random.bytes(1 + random.int(8)), data.subarray(at)]);
        break;
      case 4: {
        // Header and attribute lengths sit at offsets 2 (mod 4): aim at them.
        const field = Math.min((at & ~3) + 2, data.length - 2);
        if (field >= 0) data.writeUInt16BE(random.pick([0, 1, 3, 4, 8, 20, 0xffff, random.int(0x10000)]), field);
        break;
      }
      default:
        data = data.subarray(random.int(8));
    }
  }
  // Keep the header length honest half the time so attribute parsing is reached.
  if (isStunMessage(data) && random.int(2) === 0) data.writeUInt16BE((data.length - 20) & 0xffff, 2);
  return data;
}

/** Pure noise a third of the time; otherwise a STUN header over random attributes whose lengths are mostly right. */
function randomInput(random: ReturnType<typeof prng>): Buffer {
  if (random.int(3) === 0) return random.bytes(random.int(160));
  const attributes = Array.from({ length: random.int(8) }, () => {
    const value = random.bytes(random.int(24));
    const header = Buffer.alloc(4);
    header.writeUInt16BE(random.int(4) === 0 ? random.int(0x10000) : random.pick(Object.values(Attr)), 0);
    header.writeUInt16BE(random.int(8) === 0 ? random.int(0x10000) : value.length, 2);
    return Buffer.concat([header, value, random.bytes(-value.length & 3)]);
  });
  const data = Buffer.concat([random.bytes(20), ...attributes]);
  data[0]! &= 0x3f;
  data.writeUInt16BE(random.int(8) === 0 ? random.int(0x10000) : data.length - 20, 2);
  data.writeUInt32BE(0x2112a442, 4);
  return data;
}

type Outcome = 'ok' | 'rejected';

/** Runs `action`; anything thrown other than StunParseError fails the test with the case that caused it. */
function attempt(label: string, input: Buffer, action: () => unknown): Outcome {
  try {
    action();
    return 'ok';
  } catch (error) {
    if (error instanceof StunParseError) return 'rejected';
    throw new Error(`${label} threw ${String(error)} for input ${input.toString('hex')}`, { cause: error });
  }
}

function exercise(input: Buffer, random: ReturnType<typeof prng>, tally: Record<Outcome, number>): void {
  isStunMessage(input);
  isChannelData(input);
  tally[
    attempt('parseMessage', input, () => {
      const message = parseMessage(input);
      verifyIntegrity(message, KEY);
      verifyFingerprint(message);
      for (const { value } of message.attributes) {
        attempt('reader', value, () => random.pick(READERS)(value));
      }
    })
  ]++;
  attempt('parseChannelData', input, () => parseChannelData(input));
  const slice = input.subarray(random.int(8), random.int(32));
  attempt('reader', slice, () => random.pick(READERS)(slice));
  attempt('StreamFramer', input, () => {
    const framer = new StreamFramer(256);
    for (let at = 0; at < input.length;) {
      const next = at + 1 + random.int(input.length - at);
      for (const frame of framer.push(input.subarray(at, next))) {
        attempt('parse a framed frame', frame, () =>
          isChannelData(frame) ? parseChannelData(frame) : parseMessage(frame),
        );
      }
      at = next;
    }
  });
}

describe('codec fuzzing', () => {
  it(`survives ${CASES} random buffers with only StunParseError`, () => {
    const random = prng(SEED);
    const tally = { ok: 0, rejected: 0 };
    for (let i = 0; i < CASES; i++) exercise(randomInput(random), random, tally);
    expect(tally.ok).toBeGreaterThan(CASES / 20);
    expect(tally.rejected).toBeGreaterThan(CASES / 20);
  });

  it(`survives ${CASES} mutations of valid messages with only StunParseError`, () => {
    const random = prng(SEED + 1);
    const corpus = seeds();
    const tally = { ok: 0, rejected: 0 };
    for (let i = 0; i < CASES; i++) exercise(mutate(random, random.pick(corpus)), random, tally);
    // Both outcomes in bulk, or the mutator is not reaching the attribute parser.
    expect(tally.ok).toBeGreaterThan(CASES / 20);
    expect(tally.rejected).toBeGreaterThan(CASES / 20);
  });
});
