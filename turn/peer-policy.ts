/**
 * Which peers a client may relay to. A TURN relay that forwards to anything
 * is an open proxy into the operator's network and the cloud metadata
 * service, so special-purpose ranges are refused by default (RFC 6890 and
 * friends). Every other address of this machine is refused too. The relay's
 * own addresses are `own-relay`: a permission for them is fine (two clients
 * both on relay candidates of this relay must reach each other), and the
 * allocation manager lets packets through only to its live allocations there.
 *
 * IPv6 forms of IPv4 addresses:
 * - IPv4-mapped (::ffff:a.b.c.d) follows the IPv4 verdict, as node's
 *   BlockList matches it against the IPv4 ranges (and the request handler
 *   treats such a peer as IPv4: 443 on an IPv6 allocation);
 * - 6to4 (2002:aabb:ccdd::/48) is denied when the IPv4 address it carries is;
 *   one carrying a public IPv4 address is a real IPv6 host and allowed;
 * - NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and IPv4-compatible (::/96) are
 *   denied whole: a translator next to the relay would reach IPv4 through
 *   them, which an IPv4 allocation does openly, under the IPv4 rules;
 * - Teredo (2001::/32) is denied whole: its IPv4 parts are obfuscated, and
 *   the protocol is gone from the clients that used it.
 */
import { BlockList, isIP } from 'node:net';
import { encodeAddress } from './codec/address.js';

export const DENIED_PEERS = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  // IPv6: loopback, unspecified, IPv4-compatible (deprecated), NAT64 (well-known and local-use), the discard
  // prefix, Teredo, documentation, unique local, link-local, multicast. The IPv4-mapped ::ffff:0:0/96 is not
  // listed: BlockList would match every IPv4 address against it.
  '::1/128',
  '::/128',
  '::/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/32',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
] as const;

export interface PeerPolicyOptions {
  /** Where relay sockets live: the bound relay address and the advertised one. */
  relayAddresses: string[];
  /** Every address of this machine; refused as peers (but for the relay addresses, see above). */
  localAddresses: string[];
  /** CIDRs exempt from the deny list. */
  allowed: string[];
}

export type PeerVerdict = 'allowed' | 'denied' | 'own-relay';

/**
 * Verdicts remembered, by address as given. Every relayed packet asks about
 * its peer, and BlockList.check builds a SocketAddress each time; a client
 * cycling through more addresses than this only empties the memo.
 */
export const VERDICT_MEMO_SIZE = 4096;

export class PeerPolicy {
  private readonly denied = toBlockList(DENIED_PEERS);
  private readonly allowed: BlockList;
  private readonly relay: Set<string>;
  private readonly local: Set<string>;
  private readonly verdicts = new Map<string, PeerVerdict>();

  constructor(private readonly options: PeerPolicyOptions) {
    this.allowed = toBlockList(options.allowed);
    this.relay = new Set(options.relayAddresses.map(canonical));
    this.local = new Set(options.localAddresses.map(canonical));
  }

  /**
   * For a permission (address only): `own-relay` for the relay's own
   * addresses, which the allocation manager resolves by port.
   */
  permission(address: string): PeerVerdict {
    const known = this.verdicts.get(address);
    if (known !== undefined) return known;
    const verdict = this.judge(address);
    if (this.verdicts.size >= VERDICT_MEMO_SIZE) this.verdicts.clear();
    this.verdicts.set(address, verdict);
    return verdict;
  }

  /** How many verdicts are remembered (at most VERDICT_MEMO_SIZE). */
  get remembered(): number {
    return this.verdicts.size;
  }

  private judge(address: string): PeerVerdict {
    const peer = canonical(address);
    if (this.allowed.check(address, family(address))) return 'allowed';
    if (this.relay.has(peer)) return 'own-relay';
    if (this.local.has(peer)) return 'denied';
    // The allow list is for addresses as given: a lab's 127.0.0.1 opens no 6to4 address.
    const carried = sixToFourIpv4(peer);
    if (
      carried !== undefined &&
      (this.relay.has(carried) || this.local.has(carried) || this.denied.check(carried, 'ipv4'))
    )
      return 'denied';
    return this.denied.check(address, family(address)) ? 'denied' : 'allowed';
  }
}

/** The IPv4 address a 6to4 address (2002::/16: 2002, then the IPv4 address of the site's router) carries. */
function sixToFourIpv4(address: string): string | undefined {
  if (!/^2002:/i.test(address)) return undefined;
  // Bytes 4–19 of the attribute value are the address; 2002 is its first two.
  return [...encodeAddress({ family: 6, address, port: 0 }).subarray(6, 10)].join('.');
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** `::ffff:192.0.2.1` and `192.0.2.1` are the same peer. */
function canonical(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped?.[1] ?? address).toLowerCase();
}

function toBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/');
    const type = family(address);
    list.addSubnet(address, prefix === undefined ? (type === 'ipv4' ? 32 : 128) : Number(prefix), type);
  }
  return list;
}
