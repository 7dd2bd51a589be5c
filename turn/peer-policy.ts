/**
 * Which peers a client may relay to. A TURN relay that forwards to anything
 * is an open proxy into the operator's network and the cloud metadata
 * service, so special-purpose ranges are refused by default (RFC 6890 and
 * friends; IPv4-mapped IPv6 forms follow the IPv4 rules). Every other
 * address of this machine is refused too. The relay's own addresses are
 * `own-relay`: a permission for them is fine (two clients both on relay
 * candidates of this relay must reach each other), and the allocation
 * manager lets packets through only to its live allocations there.
 */
import { BlockList, isIP } from 'node:net';

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
  '::1/128',
  '::/128',
  '64:ff9b::/96',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
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
    return this.denied.check(address, family(address)) ? 'denied' : 'allowed';
  }
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
