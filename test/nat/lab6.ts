/**
 * The IPv6 NAT lab: a public namespace and two IPv6-only client namespaces,
 * built beside the IPv4 lab (lab.ts), never inside it.
 *
 * ```
 *            public namespace: 2001:db8:6::1 signaling :443, 2001:db8:6::2 bundled relays :3478 and :3479
 *            (on its loopback, with the relays' IPv4 203.0.113.2; it forwards nothing, so the
 *            clients reach it and not each other)
 *                 │ 2001:db8:a::1                 │ 2001:db8:b::1
 *   client a  2001:db8:a::10               client b  2001:db8:b::10
 * ```
 *
 * The clients have no IPv4 address but loopback's, so whatever they send
 * to the relay goes over IPv6, and the only way between them is the relay.
 * Documentation ranges only (RFC 3849); DAD is off so addresses work at
 * once. Names carry lab.ts's prefix (`vcnat-<pid>-v6…`), so a lab left by a
 * dead test process is removed the same way.
 */
import { ipBatch, NamespaceLab } from './namespaces.js';
import { inNamespace, must, run } from './shell.js';

export const SERVER_IP6 = '2001:db8:6::1';
export const RELAY_IP6 = '2001:db8:6::2';
/** The relay's IPv4 address, on the public namespace's loopback: only what IPv4 relayed addresses say. */
export const RELAY_IP4 = '203.0.113.2';
export const CLIENTS6 = {
  a: { gateway: '2001:db8:a::1', client: '2001:db8:a::10' },
  b: { gateway: '2001:db8:b::1', client: '2001:db8:b::10' },
} as const;
export type Client6 = keyof typeof CLIENTS6;

export class Ipv6Lab extends NamespaceLab {
  /** Builds the lab, or throws saying why it cannot (and leaves nothing behind). */
  static async build(): Promise<Ipv6Lab> {
    if (process.getuid?.() !== 0) throw new Error('the IPv6 lab needs root (network namespaces)');
    const { id, dir } = await NamespaceLab.place('v6');
    return NamespaceLab.assemble(new Ipv6Lab(id, dir));
  }

  get publicNs(): string {
    return `${this.id}-pub`;
  }

  clientNs(name: Client6): string {
    return `${this.id}-c-${name}`;
  }

  namespaces(): string[] {
    return [this.publicNs, this.clientNs('a'), this.clientNs('b')];
  }

  protected async create(): Promise<void> {
    for (const ns of this.namespaces()) {
      const added = await run('ip', ['netns', 'add', ns]);
      if (added.code !== 0) throw new Error(`cannot create network namespace ${ns}: ${added.stderr.trim()}`);
      const sysctl = [
        'echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6',
        'echo 0 > /proc/sys/net/ipv6/conf/default/disable_ipv6',
        'echo 0 > /proc/sys/net/ipv6/conf/all/forwarding',
        'echo 0 > /proc/sys/net/ipv4/ip_forward',
      ];
      await must(...inNamespace(ns, 'sh', ['-c', sysctl.join(' && ')]));
      await ipBatch(ns, ['link set lo up']);
    }
    await ipBatch(this.publicNs, [
      `addr add ${SERVER_IP6}/128 dev lo`,
      `addr add ${RELAY_IP6}/128 dev lo`,
      `addr add ${RELAY_IP4}/32 dev lo`,
    ]);
    for (const [name, { gateway, client }] of Object.entries(CLIENTS6) as Array<
      [Client6, (typeof CLIENTS6)[Client6]]
    >) {
      const ns = this.clientNs(name);
      await ipBatch(this.publicNs, [
        `link add to-${name} type veth peer name eth0 netns ${ns}`,
        `addr add ${gateway}/64 dev to-${name} nodad`,
        `link set to-${name} up`,
      ]);
      await ipBatch(ns, [
        `addr add ${client}/64 dev eth0 nodad`,
        'link set eth0 up',
        `route add default via ${gateway}`,
      ]);
    }
  }
}
