/**
 * What the relay does with each STUN/TURN message (RFC 8489, RFC 8656):
 * Binding for anyone; Allocate, Refresh, CreatePermission and ChannelBind
 * only with valid long-term credentials; Send indications and ChannelData
 * only on an existing allocation. Malformed input is dropped, never thrown.
 *
 * Address families (RFC 8656 §7.2, §9, §11): an Allocate gets the family
 * REQUESTED-ADDRESS-FAMILY names (440 if the relay has no IPv6 address), or
 * when it names none IPv4, or with TURN_ALLOCATION_FAMILY_DEFAULT=keep the
 * family the client came over. Dual allocation is not offered: an
 * ADDITIONAL-ADDRESS-FAMILY request gets its IPv4 allocation and
 * ADDRESS-ERROR-CODE 440 for IPv6. A peer (an IPv4-mapped one is IPv4) of
 * the other family than the allocation's gets 443, or is dropped in a Send.
 */
import {
  Attr,
  ErrorReason,
  MAX_STRING_BYTES,
  MAX_USERNAME_BYTES,
  MessageClass,
  Method,
  TransportProtocol,
} from './codec/constants.js';
import {
  MessageBuilder,
  StunParseError,
  getAttribute,
  isStunMessage,
  parseMessage,
  type StunMessage,
} from './codec/message.js';
import { decodeXorAddress, type TransportAddress } from './codec/address.js';
import {
  readChannelNumber,
  readRequestedAddressFamily,
  readRequestedTransport,
  readString,
  readUInt32,
} from './codec/attributes.js';
import { isChannelData, parseChannelData } from './codec/channel-data.js';
import { verifyFingerprint, verifyIntegrity } from './codec/integrity.js';
import { readPeerIndication } from './codec/peer-indication.js';
import type { Authenticator } from './auth.js';
import { userOf } from './auth.js';
import type { AllocationManager, PortRequest } from './allocation/manager.js';
import type { PeerPolicy } from './peer-policy.js';
import type { ClientLink } from './transport.js';
import type { TurnMetrics } from './metrics.js';
import type { TurnConfig } from './config.js';
import type { ThrottledLog } from './throttled-log.js';

const METHOD_NAMES: Record<number, string> = {
  [Method.Binding]: 'binding',
  [Method.Allocate]: 'allocate',
  [Method.Refresh]: 'refresh',
  [Method.CreatePermission]: 'create-permission',
  [Method.ChannelBind]: 'channel-bind',
};
/** Comprehension-required attributes this relay understands; any other below 0x8000 gets 420. */
const UNDERSTOOD = new Set<number>([
  Attr.Username,
  Attr.MessageIntegrity,
  Attr.Realm,
  Attr.Nonce,
  Attr.Lifetime,
  Attr.RequestedTransport,
  Attr.XorPeerAddress,
  Attr.ChannelNumber,
  Attr.Data,
  Attr.RequestedAddressFamily,
  Attr.Priority,
  Attr.UseCandidate,
  Attr.EvenPort,
  Attr.ReservationToken,
]);

interface Caller {
  username: string;
  key: Buffer;
}

export interface RequestHandlerParts {
  config: Pick<
    TurnConfig,
    'defaultLifetime' | 'maxLifetime' | 'software' | 'relayAddress6' | 'allocationFamilyDefault'
  >;
  auth: Authenticator;
  allocations: AllocationManager;
  policy: PeerPolicy;
  metrics: TurnMetrics;
  /** Lines here are caused by clients: throttled. */
  log: ThrottledLog;
}

export class RequestHandler {
  private readonly config: RequestHandlerParts['config'];
  private readonly auth: Authenticator;
  private readonly allocations: AllocationManager;
  private readonly policy: PeerPolicy;
  private readonly metrics: TurnMetrics;
  private readonly log: ThrottledLog;

  constructor(parts: RequestHandlerParts) {
    ({
      config: this.config,
      auth: this.auth,
      allocations: this.allocations,
      policy: this.policy,
      metrics: this.metrics,
      log: this.log,
    } = parts);
  }

  /**
   * One datagram, or one frame of a TCP/TLS stream. ChannelData and Send
   * indications, nearly all of the traffic, are relayed before this returns;
   * only a request returns a promise (an Allocate waits for its socket).
   */
  handle(client: ClientLink, data: Buffer): Promise<void> | undefined {
    if (isChannelData(data)) return void this.channelData(client, data);
    if (!isStunMessage(data)) return void this.metrics.dropped('not-stun');
    let message: StunMessage;
    try {
      message = parseMessage(data);
    } catch (error) {
      if (error instanceof StunParseError) return void this.metrics.dropped('malformed');
      throw error;
    }
    if (verifyFingerprint(message) === 'invalid') return void this.metrics.dropped('bad-fingerprint');
    if (message.cls === MessageClass.Indication && message.method === Method.Send)
      return void this.send(client, message);
    if (message.cls !== MessageClass.Request) return undefined;
    return this.answer(client, message);
  }

  private async answer(client: ClientLink, message: StunMessage): Promise<void> {
    try {
      await this.request(client, message);
    } catch (error) {
      if (!(error instanceof StunParseError)) throw error;
      this.log.debug({ client: client.address, err: error }, 'malformed request');
      this.reply(client, message, error.errorCode, undefined);
    }
  }

  private async request(client: ClientLink, message: StunMessage): Promise<void> {
    if (message.method === Method.Binding) {
      return this.respond(client, message, undefined, (b) => b.addXorAddress(Attr.XorMappedAddress, addressOf(client)));
    }
    if (METHOD_NAMES[message.method] === undefined) return this.reply(client, message, 400, undefined);
    const caller = this.authenticate(client, message);
    if (caller === undefined) return;
    const unknown = unknownRequired(message);
    if (unknown.length > 0) {
      this.log.debug({ client: client.address, unknown }, 'unknown comprehension-required attributes');
      return this.reply(client, message, 420, caller, (b) => b.addUnknownAttributes([...new Set(unknown)]));
    }

    switch (message.method) {
      case Method.Allocate:
        return this.allocate(client, message, caller);
      case Method.Refresh:
        return this.refresh(client, message, caller);
      case Method.CreatePermission:
        return this.createPermission(client, message, caller);
      case Method.ChannelBind:
        return this.channelBind(client, message, caller);
    }
  }

  /** Long-term credentials; on failure the error response is sent here. */
  private authenticate(client: ClientLink, message: StunMessage): Caller | undefined {
    const challenge = (b: MessageBuilder) =>
      b.addString(Attr.Realm, this.auth.realm).addString(Attr.Nonce, this.auth.nonce(client.address));
    if (getAttribute(message, Attr.MessageIntegrity) === undefined) {
      this.reply(client, message, 401, undefined, challenge);
      return undefined;
    }
    const usernameValue = getAttribute(message, Attr.Username);
    const realmValue = getAttribute(message, Attr.Realm);
    const nonceValue = getAttribute(message, Attr.Nonce);
    if (usernameValue === undefined || realmValue === undefined || nonceValue === undefined) {
      this.metrics.authFailure('bad-request');
      this.reply(client, message, 400, undefined);
      return undefined;
    }
    if (!this.auth.nonceIsFresh(readString(nonceValue, MAX_STRING_BYTES), client.address)) {
      this.metrics.authFailure('stale-nonce');
      this.reply(client, message, 438, undefined, challenge);
      return undefined;
    }
    const username = readString(usernameValue, MAX_USERNAME_BYTES);
    const found =
      readString(realmValue, MAX_STRING_BYTES) === this.auth.realm
        ? this.auth.keyFor(username)
        : { failure: 'bad-username' as const };
    if ('failure' in found || !verifyIntegrity(message, found.key)) {
      this.metrics.authFailure('failure' in found ? found.failure : 'bad-integrity');
      this.reply(client, message, 401, undefined, challenge);
      return undefined;
    }
    return { username, key: found.key };
  }

  private async allocate(client: ClientLink, message: StunMessage, caller: Caller): Promise<void> {
    const existing = this.allocations.get(client);
    if (existing !== undefined) {
      // A retransmitted Allocate gets the same answer; a new one on a live 5-tuple is a mismatch.
      if (existing.lastAllocate?.transactionId === message.transactionId.toString('hex'))
        return client.send(existing.lastAllocate.response);
      return this.reply(client, message, 437, caller);
    }
    const transport = getAttribute(message, Attr.RequestedTransport);
    if (transport === undefined) return this.reply(client, message, 400, caller);
    if (readRequestedTransport(transport) !== TransportProtocol.UDP) return this.reply(client, message, 442, caller);
    const requested = getAttribute(message, Attr.RequestedAddressFamily);
    const additional = getAttribute(message, Attr.AdditionalAddressFamily);
    const evenPort = getAttribute(message, Attr.EvenPort);
    const token = getAttribute(message, Attr.ReservationToken);
    if (
      (evenPort !== undefined && token !== undefined) ||
      (token !== undefined && token.length !== 8) ||
      evenPort?.length === 0 ||
      (requested !== undefined && (additional !== undefined || token !== undefined)) ||
      (additional !== undefined && readRequestedAddressFamily(additional) !== 6)
    ) {
      return this.reply(client, message, 400, caller);
    }
    const family = this.familyFor(client, requested);
    if (family === undefined) return this.reply(client, message, 440, caller);
    const ports: PortRequest =
      token !== undefined
        ? { kind: 'reserved', token }
        : evenPort !== undefined
          ? { kind: 'even', reserveNext: ((evenPort[0] ?? 0) & 0x80) !== 0 }
          : { kind: 'any' };

    const lifetime = this.lifetime(message);
    const created = await this.allocations.create(client, {
      username: caller.username,
      user: userOf(caller.username),
      key: caller.key,
      lifetime,
      ports,
      family,
    });
    if (!created.ok) {
      if (created.error === 486) this.metrics.refused(created.limit);
      return this.reply(client, message, created.error, caller);
    }
    const response = this.build(message, MessageClass.SuccessResponse, caller, (b) => {
      b.addXorAddress(Attr.XorRelayedAddress, created.allocation.relayed)
        .addUInt32(Attr.Lifetime, lifetime)
        .addXorAddress(Attr.XorMappedAddress, addressOf(client));
      if (additional !== undefined) b.addAddressErrorCode(6, 440);
      return created.reservationToken === undefined ? b : b.add(Attr.ReservationToken, created.reservationToken);
    });
    created.allocation.lastAllocate = { transactionId: message.transactionId.toString('hex'), response };
    this.metrics.request('allocate', 200);
    client.send(response);
  }

  private refresh(client: ClientLink, message: StunMessage, caller: Caller): void {
    const allocation = this.allocations.get(client);
    if (allocation === undefined) return this.reply(client, message, 437, caller);
    if (allocation.username !== caller.username && userOf(allocation.username) !== userOf(caller.username)) {
      return this.reply(client, message, 441, caller);
    }
    // RFC 8656 §7.3: a family that is not the allocation's is a mismatch.
    const family = getAttribute(message, Attr.RequestedAddressFamily);
    if (family !== undefined && readRequestedAddressFamily(family) !== allocation.relayed.family)
      return this.reply(client, message, 443, caller);
    const requested = getAttribute(message, Attr.Lifetime);
    if (requested !== undefined && readUInt32(requested) === 0) {
      // Answered first: over TCP/TLS, removing the allocation ends the connection.
      this.respond(client, message, caller, (b) => b.addUInt32(Attr.Lifetime, 0));
      return this.allocations.remove(allocation);
    }
    const lifetime = this.lifetime(message);
    allocation.refresh(lifetime);
    this.respond(client, message, caller, (b) => b.addUInt32(Attr.Lifetime, lifetime));
  }

  private createPermission(client: ClientLink, message: StunMessage, caller: Caller): void {
    const allocation = this.owned(client, message, caller);
    if (allocation === undefined) return;
    const peers = message.attributes
      .filter((a) => a.type === Attr.XorPeerAddress)
      .map((a) => decodeXorAddress(a.value, message.transactionId));
    if (peers.length === 0) return this.reply(client, message, 400, caller);
    // All or nothing: one forbidden peer refuses the whole request.
    if (peers.some((peer) => this.policy.permission(peer.address) === 'denied'))
      return this.forbid(client, message, caller);
    if (peers.some((peer) => familyOf(peer) !== allocation.relayed.family))
      return this.reply(client, message, 443, caller);
    if (!allocation.permit(peers.map((peer) => peer.address))) return this.full(client, message, caller, 'permissions');
    this.respond(client, message, caller);
  }

  private channelBind(client: ClientLink, message: StunMessage, caller: Caller): void {
    const allocation = this.owned(client, message, caller);
    if (allocation === undefined) return;
    const channelValue = getAttribute(message, Attr.ChannelNumber);
    const peerValue = getAttribute(message, Attr.XorPeerAddress);
    if (channelValue === undefined || peerValue === undefined) return this.reply(client, message, 400, caller);
    const channel = readChannelNumber(channelValue);
    const peer = decodeXorAddress(peerValue, message.transactionId);
    if (peer.port === 0) return this.reply(client, message, 400, caller);
    if (!this.allocations.mayReach(peer)) return this.forbid(client, message, caller);
    if (familyOf(peer) !== allocation.relayed.family) return this.reply(client, message, 443, caller);
    const bound = allocation.bind(channel, peer);
    if (bound === 'full') return this.full(client, message, caller, 'channels');
    if (bound === 'conflict') {
      this.log.debug({ client: client.address, channel, peer }, 'channel or peer already bound to another');
      return this.reply(client, message, 400, caller);
    }
    this.respond(client, message, caller);
  }

  private send(client: ClientLink, message: StunMessage): void {
    const allocation = this.allocations.get(client);
    const indication = readPeerIndication(message, Method.Send);
    if (allocation === undefined || indication === undefined) return this.metrics.dropped('bad-send');
    // An indication cannot be answered with 420, so one the relay does not fully understand is discarded (RFC 8489
    // §6.3.2).
    if (unknownRequired(message).length > 0) return this.metrics.dropped('unknown-attribute');
    if (familyOf(indication.peer) !== allocation.relayed.family) return this.metrics.dropped('peer-family');
    allocation.toPeer(indication.peer, indication.data);
  }

  private channelData(client: ClientLink, data: Buffer): void {
    const allocation = this.allocations.get(client);
    if (allocation === undefined) return this.metrics.dropped('no-allocation');
    try {
      const frame = parseChannelData(data);
      allocation.channelToPeer(frame.channel, frame.data);
    } catch (error) {
      if (!(error instanceof StunParseError)) throw error;
      this.metrics.dropped('malformed');
    }
  }

  /** The relayed family an Allocate gets; undefined when it asked for one the relay has no address for (440). */
  private familyFor(client: ClientLink, requested: Buffer | undefined): 4 | 6 | undefined {
    const ipv6 = this.config.relayAddress6 !== undefined;
    if (requested !== undefined) {
      const family = readRequestedAddressFamily(requested);
      return family === 6 && !ipv6 ? undefined : family;
    }
    // Absent, RFC 8656 §7.2 says IPv4; "keep" falls back to it where the relay has no IPv6 address.
    return this.config.allocationFamilyDefault === 'keep' && ipv6 ? addressOf(client).family : 4;
  }

  /** The caller's allocation on this 5-tuple, or an error response (437/441) and undefined. */
  private owned(client: ClientLink, message: StunMessage, caller: Caller) {
    const allocation = this.allocations.get(client);
    if (allocation === undefined) {
      this.reply(client, message, 437, caller);
      return undefined;
    }
    if (userOf(allocation.username) !== userOf(caller.username)) {
      this.reply(client, message, 441, caller);
      return undefined;
    }
    return allocation;
  }

  private forbid(client: ClientLink, message: StunMessage, caller: Caller): void {
    this.metrics.dropped('forbidden-peer');
    this.reply(client, message, 403, caller);
  }

  /** 508: the allocation's share, or the relay's, of permissions or channels is used up (RFC 8656 §9.2, §11.2). */
  private full(client: ClientLink, message: StunMessage, caller: Caller, what: 'permissions' | 'channels'): void {
    this.metrics.refused(what);
    this.reply(client, message, 508, caller);
  }

  /**
   * RFC 8656 §7.2 and §7.3: the client's LIFETIME capped at the maximum,
   * and never below the default (a client cannot make the relay sweep it
   * sooner than the default by asking for less).
   */
  private lifetime(message: StunMessage): number {
    const requested = getAttribute(message, Attr.Lifetime);
    const { defaultLifetime, maxLifetime } = this.config;
    if (requested === undefined) return defaultLifetime;
    return Math.max(defaultLifetime, Math.min(readUInt32(requested), maxLifetime));
  }

  private respond(
    client: ClientLink,
    message: StunMessage,
    caller: Caller | undefined,
    add?: (b: MessageBuilder) => MessageBuilder,
  ): void {
    this.metrics.request(METHOD_NAMES[message.method] ?? 'other', 200);
    client.send(this.build(message, MessageClass.SuccessResponse, caller, add));
  }

  private reply(
    client: ClientLink,
    message: StunMessage,
    code: number,
    caller: Caller | undefined,
    add?: (b: MessageBuilder) => MessageBuilder,
  ): void {
    this.metrics.request(METHOD_NAMES[message.method] ?? 'other', code);
    client.send(
      this.build(message, MessageClass.ErrorResponse, caller, (b) =>
        (add ?? ((x) => x))(b.addErrorCode(code, ErrorReason[code])),
      ),
    );
  }

  /**
   * An answer to anyone who has not authenticated (Binding, 401, 438, 400)
   * carries only what it must, so the relay amplifies a spoofed request as
   * little as it can: no SOFTWARE, and FINGERPRINT only if the request had one.
   */
  private build(
    message: StunMessage,
    cls: number,
    caller: Caller | undefined,
    add?: (b: MessageBuilder) => MessageBuilder,
  ): Buffer {
    let builder = new MessageBuilder(message.method, cls, message.transactionId);
    if (add !== undefined) builder = add(builder);
    if (caller === undefined) {
      return builder.build({ fingerprint: getAttribute(message, Attr.Fingerprint) !== undefined });
    }
    if (this.config.software !== undefined) builder.addString(Attr.Software, this.config.software);
    return builder.build({ integrityKey: caller.key, fingerprint: true });
  }
}

/** Comprehension-required attributes (below 0x8000) this relay does not understand. */
function unknownRequired(message: StunMessage): number[] {
  return message.attributes.map((a) => a.type).filter((type) => type < 0x8000 && !UNDERSTOOD.has(type));
}

/** A peer's family as the wire sees it: an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is an IPv4 peer. */
function familyOf(peer: TransportAddress): 4 | 6 {
  return peer.family === 6 && peer.address.startsWith('::ffff:') && peer.address.includes('.') ? 4 : peer.family;
}

function addressOf(client: ClientLink): TransportAddress {
  return { family: client.address.includes(':') ? 6 : 4, address: client.address, port: client.port };
}
