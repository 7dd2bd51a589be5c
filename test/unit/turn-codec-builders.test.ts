/**
 * The attribute writers and the Send/Data indication layout that the relay
 * and turn/client share: pinned to their wire bytes, and read back by the
 * relay's own readers.
 */
import { describe, expect, it } from 'vitest';
import {
  Attr,
  MessageBuilder,
  MessageClass,
  Method,
  TransportProtocol,
  buildPeerIndication,
  getAttribute,
  parseMessage,
  randomTransactionId,
  readChannelNumber,
  readPeerIndication,
  readRequestedTransport,
} from '../../turn/codec/index.js';

const request = () => new MessageBuilder(Method.Allocate, MessageClass.Request, randomTransactionId());
const peer = { family: 4 as const, address: '192.0.2.7', port: 40_000 };

describe('attribute writers', () => {
  it('writes REQUESTED-TRANSPORT as the protocol number and 3 reserved bytes, UDP (17) by default', () => {
    const message = parseMessage(request().addRequestedTransport().build());
    expect(getAttribute(message, Attr.RequestedTransport)).toEqual(Buffer.from([17, 0, 0, 0]));
    const tcp = parseMessage(request().addRequestedTransport(TransportProtocol.TCP).build());
    expect(readRequestedTransport(getAttribute(tcp, Attr.RequestedTransport)!)).toBe(6);
  });

  it('writes CHANNEL-NUMBER as the number and 2 reserved bytes, and refuses numbers outside 0x4000-0x7FFF', () => {
    const message = parseMessage(request().addChannelNumber(0x4abc).build());
    expect(getAttribute(message, Attr.ChannelNumber)).toEqual(Buffer.from([0x4a, 0xbc, 0, 0]));
    expect(readChannelNumber(getAttribute(message, Attr.ChannelNumber)!)).toBe(0x4abc);
    expect(() => request().addChannelNumber(0x3fff)).toThrow(RangeError);
    expect(() => request().addChannelNumber(0x8000)).toThrow(RangeError);
  });

  it('writes EVEN-PORT as one byte whose top bit asks for the next port to be reserved', () => {
    expect(getAttribute(parseMessage(request().addEvenPort(true).build()), Attr.EvenPort)).toEqual(Buffer.from([0x80]));
    expect(getAttribute(parseMessage(request().addEvenPort(false).build()), Attr.EvenPort)).toEqual(Buffer.from([0]));
  });
});

describe('Send and Data indications', () => {
  it('carry XOR-PEER-ADDRESS then DATA, FINGERPRINT only when asked, and read back as sent', () => {
    const send = parseMessage(buildPeerIndication(Method.Send, peer, Buffer.from('hello'), true));
    expect([send.method, send.cls]).toEqual([Method.Send, MessageClass.Indication]);
    expect(send.attributes.map(({ type }) => type)).toEqual([Attr.XorPeerAddress, Attr.Data, Attr.Fingerprint]);
    expect(readPeerIndication(send, Method.Send)).toEqual({ peer, data: Buffer.from('hello') });
    const data = parseMessage(buildPeerIndication(Method.Data, peer, Buffer.from('back'), false));
    expect(data.attributes.map(({ type }) => type)).toEqual([Attr.XorPeerAddress, Attr.Data]);
  });

  it('read as undefined when the method differs, an attribute is missing or the address is malformed', () => {
    const send = parseMessage(buildPeerIndication(Method.Send, peer, Buffer.from('x'), false));
    expect(readPeerIndication(send, Method.Data)).toBeUndefined();
    const indication = () => new MessageBuilder(Method.Send, MessageClass.Indication, randomTransactionId());
    const noData = parseMessage(indication().addXorAddress(Attr.XorPeerAddress, peer).build());
    expect(readPeerIndication(noData, Method.Send)).toBeUndefined();
    const unknownFamily = Buffer.from([0, 9, 0, 0]);
    const badAddress = parseMessage(
      indication().add(Attr.XorPeerAddress, unknownFamily).add(Attr.Data, Buffer.from('x')).build(),
    );
    expect(readPeerIndication(badAddress, Method.Send)).toBeUndefined();
  });
});
