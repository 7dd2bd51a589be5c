/**
 * The home routers' firewalls, as iptables-restore input. Each router has a
 * `lan` interface (its client) and a `wan` interface (the public network);
 * the rules are loaded inside the router's own namespace, never anywhere else.
 *
 * - cone: MASQUERADE keeps a flow's source port when it can, so one inside
 *   address:port maps to one outside address:port whatever the destination
 *   (endpoint-independent mapping), which is what STUN hole punching needs.
 * - symmetric: MASQUERADE --random-fully picks a fresh random port for every
 *   new flow, so each destination sees another mapping and a srflx candidate
 *   learned from STUN is useless to the peer.
 * - both: a stateful firewall, inbound only for flows the inside opened
 *   (address- and port-dependent filtering). Unsolicited packets to the
 *   router's own address are dropped in INPUT too: accepting them would let
 *   conntrack remember them, and Linux would then give the inside's later
 *   outbound flow to that peer another port.
 * - corporate: the same NAT, but only TCP to port 443 may leave; every UDP
 *   packet (STUN, TURN/UDP, media) and every other port is dropped.
 */
export type Variant = 'cone' | 'symmetric' | 'corporate';

export function routerRules(variant: Variant): string {
  const masquerade =
    variant === 'symmetric'
      ? '-A POSTROUTING -o wan -j MASQUERADE --random-fully'
      : '-A POSTROUTING -o wan -j MASQUERADE';
  const outbound =
    variant === 'corporate'
      ? '-A FORWARD -i lan -o wan -p tcp --dport 443 -j ACCEPT'
      : '-A FORWARD -i lan -o wan -j ACCEPT';
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    masquerade,
    'COMMIT',
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    outbound,
    'COMMIT',
    '',
  ].join('\n');
}
