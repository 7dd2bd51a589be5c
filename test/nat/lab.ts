/**
 * The NAT lab: network namespaces on this machine, built at the start of a
 * test file and always torn down at its end.
 *
 * ```
 *              public namespace ("the internet"): bridge wan, 203.0.113.0/24
 *   .1 signaling server :443, coturn :3478   .2 bundled relay :3478, TLS :443   .3 bundled relay :443
 *        │               │               │               │               │
 *   router cone-a   router cone-b   router sym-a    router sym-b    router corp     wan
 *   203.0.113.11    203.0.113.12    203.0.113.21    203.0.113.22    203.0.113.31
 *   192.0.2.1       198.51.100.1    192.0.2.65      198.51.100.65   192.0.2.129     lan (/26)
 *        │               │               │               │               │
 *   client          client          client          client          client
 *   192.0.2.10      198.51.100.10   192.0.2.74      198.51.100.74   192.0.2.138
 * ```
 *
 * A test may add a machine of its own on the wan bridge (addHost: one
 * namespace, one public address, e.g. a VPS at 203.0.113.4).
 *
 * Only documentation ranges (RFC 5737). Nothing is routed between the homes'
 * LANs, so clients can only reach each other through their routers' public
 * addresses. Names carry the prefix `vcnat-<pid>-`; a lab left behind by a
 * test process that no longer exists is removed before a new one is built.
 * Nothing outside these namespaces is touched: no interface, rule or sysctl
 * of the machine's own network.
 */
import { existsSync } from 'node:fs';
import { routerRules, type Variant } from './routers.js';
import { ipBatch, NamespaceLab, removeStaleLabs } from './namespaces.js';
import { inNamespace, must, run } from './shell.js';

export { PREFIX } from './namespaces.js';
/** The signaling server's address (coturn's too) and the bundled relay's: the two that classify NATs (RFC 5780). */
export const SERVER_IP = '203.0.113.1';
export const RELAY_IP = '203.0.113.2';
/** A second bundled relay, plain TURN on port 443 (the first has TLS there). */
export const RELAY_443_IP = '203.0.113.3';

export interface Home {
  variant: Variant;
  /** The router's public address: what the world (and STUN) sees of this home. */
  wan: string;
  /** The router's LAN address, the client's gateway. */
  gateway: string;
  client: string;
}

const LAN_PREFIX = 26;
export const HOMES = {
  'cone-a': { variant: 'cone', wan: '203.0.113.11', gateway: '192.0.2.1', client: '192.0.2.10' },
  'cone-b': { variant: 'cone', wan: '203.0.113.12', gateway: '198.51.100.1', client: '198.51.100.10' },
  'sym-a': { variant: 'symmetric', wan: '203.0.113.21', gateway: '192.0.2.65', client: '192.0.2.74' },
  'sym-b': { variant: 'symmetric', wan: '203.0.113.22', gateway: '198.51.100.65', client: '198.51.100.74' },
  corp: { variant: 'corporate', wan: '203.0.113.31', gateway: '192.0.2.129', client: '192.0.2.138' },
} as const satisfies Record<string, Home>;
export type HomeName = keyof typeof HOMES;

export class NatLab extends NamespaceLab {
  /** Hosts added on the wan bridge after the build (addHost), by name. */
  private readonly hosts = new Set<string>();

  /** Builds the whole lab, or throws saying why it cannot (and leaves nothing behind). */
  static async build(): Promise<NatLab> {
    await preflight();
    await removeStaleLabs();
    const { id, dir } = await NamespaceLab.place();
    return NamespaceLab.assemble(new NatLab(id, dir));
  }

  get publicNs(): string {
    return `${this.id}-pub`;
  }

  routerNs(home: HomeName): string {
    return `${this.id}-r-${home}`;
  }

  clientNs(home: HomeName): string {
    return `${this.id}-c-${home}`;
  }

  hostNs(name: string): string {
    return `${this.id}-h-${name}`;
  }

  namespaces(): string[] {
    return [
      this.publicNs,
      ...Object.keys(HOMES).flatMap((home) => [this.routerNs(home as HomeName), this.clientNs(home as HomeName)]),
      ...[...this.hosts].map((name) => this.hostNs(name)),
    ];
  }

  /**
   * One more machine on the public network: its own namespace with one
   * address on the wan bridge (`address`/24), like a VPS with a single public
   * address, its ports all its own. Torn down with the lab. `name` is short
   * (it names an interface: at most 13 characters). Returns the namespace.
   */
  async addHost(name: string, address: string): Promise<string> {
    const ns = this.hostNs(name);
    this.hosts.add(name);
    await this.addNamespace(ns, 0);
    await ipBatch(ns, [
      `link add wan type veth peer name h-${name} netns ${this.publicNs}`,
      `addr add ${address}/24 dev wan`,
      'link set wan up',
    ]);
    await ipBatch(this.publicNs, [`link set h-${name} master wan`, `link set h-${name} up`]);
    return ns;
  }

  protected async create(): Promise<void> {
    // Routers forward, nothing else does.
    for (const ns of this.namespaces()) await this.addNamespace(ns, ns.startsWith(`${this.id}-r-`) ? 1 : 0);
    await ipBatch(this.publicNs, [
      'link add wan type bridge',
      'link set wan up',
      `addr add ${SERVER_IP}/24 dev wan`,
      `addr add ${RELAY_IP}/24 dev wan`,
      `addr add ${RELAY_443_IP}/24 dev wan`,
    ]);
    for (const [name, home] of Object.entries(HOMES) as Array<[HomeName, Home]>) {
      const router = this.routerNs(name);
      const client = this.clientNs(name);
      await ipBatch(router, [
        `link add wan type veth peer name ${name} netns ${this.publicNs}`,
        `link add lan type veth peer name eth0 netns ${client}`,
        `addr add ${home.wan}/24 dev wan`,
        `addr add ${home.gateway}/${LAN_PREFIX} dev lan`,
        'link set wan up',
        'link set lan up',
      ]);
      await ipBatch(this.publicNs, [`link set ${name} master wan`, `link set ${name} up`]);
      await ipBatch(client, [
        `addr add ${home.client}/${LAN_PREFIX} dev eth0`,
        'link set eth0 up',
        `route add default via ${home.gateway}`,
      ]);
      const loaded = await this.exec(router, 'iptables-restore', [], { input: routerRules(home.variant) });
      if (loaded.code !== 0)
        throw new Error(`cannot load the ${home.variant} router's rules in ${router}: ${loaded.stderr.trim()}`);
    }
  }

  /** A new namespace, IPv4 only (the documentation ranges are the whole lab), its loopback up. */
  private async addNamespace(ns: string, forward: 0 | 1): Promise<void> {
    const added = await run('ip', ['netns', 'add', ns]);
    if (added.code !== 0) {
      throw new Error(
        `cannot create network namespace ${ns}: ${added.stderr.trim()} ` +
          '(the NAT lab needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN, as .ci/run has)',
      );
    }
    const sysctl = [
      'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6',
      'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6',
      `echo ${forward} > /proc/sys/net/ipv4/ip_forward`,
    ];
    await must(...inNamespace(ns, 'sh', ['-c', sysctl.join(' && ')]));
    await ipBatch(ns, ['link set lo up']);
  }
}

/** Says why the lab cannot run here, instead of a test passing without it. */
async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error(
      'the NAT lab needs root (network namespaces, iptables inside them): run the nat project as root, as .ci/run does',
    );
  const ip = await run('ip', ['-V']);
  if (ip.code !== 0) throw new Error(`iproute2's ip is missing (apt-get install iproute2): ${ip.stderr.trim()}`);
  const iptables = await run('iptables-restore', ['--version']);
  if (iptables.code !== 0) throw new Error(`iptables is missing (apt-get install iptables): ${iptables.stderr.trim()}`);
  for (const binary of ['/usr/bin/turnutils_natdiscovery', '/usr/bin/turnserver']) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing (apt-get install coturn)`);
  }
}
