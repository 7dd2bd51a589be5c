import { decodeXorAddress, type TransportAddress } from './address.js';
import { Attr, MessageClass, Method } from './constants.js';
import { MessageBuilder, getAttribute, randomTransactionId, type StunMessage } from './message.js';

// Send (client to relay) and Data (relay to client) indications share one
// layout (RFC 8656 §11): the peer's XOR-PEER-ADDRESS and the DATA.

export type PeerIndicationMethod = typeof Method.Send | typeof Method.Data;

/** Send indications carry FINGERPRINT as browsers send them; the relay's Data indications stay bare. */
export function buildPeerIndication(
  method: PeerIndicationMethod,
  peer: TransportAddress,
  data: Buffer,
  fingerprint: boolean,
): Buffer {
  return new MessageBuilder(method, MessageClass.Indication, randomTransactionId())
    .addXorAddress(Attr.XorPeerAddress, peer)
    .add(Attr.Data, data)
    .build({ fingerprint });
}

/** The peer and data of a Send or Data indication; undefined for anything else or a malformed one. */
export function readPeerIndication(
  message: StunMessage,
  method: PeerIndicationMethod,
): { peer: TransportAddress; data: Buffer } | undefined {
  if (message.cls !== MessageClass.Indication || message.method !== method) return undefined;
  const peer = getAttribute(message, Attr.XorPeerAddress);
  const data = getAttribute(message, Attr.Data);
  if (peer === undefined || data === undefined) return undefined;
  try {
    return { peer: decodeXorAddress(peer, message.transactionId), data };
  } catch {
    return undefined;
  }
}
