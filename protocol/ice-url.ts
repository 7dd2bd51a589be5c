/**
 * STUN and TURN URIs (RFC 7064, RFC 7065) as an operator reads them: which
 * host and port, and over what a client reaches it (UDP, TCP or TLS). Used
 * by the ICE test page and `npm run ice-check` to judge each URL alone.
 */

export type IceUrlScheme = 'stun' | 'stuns' | 'turn' | 'turns';

/** How a client reaches the server: `TLS` is TCP with TLS (`turns:`/`stuns:`). */
export type IceTransport = 'UDP' | 'TCP' | 'TLS';

export interface IceUrl {
  url: string;
  scheme: IceUrlScheme;
  /** A host name or an IP address; IPv6 without brackets. */
  host: string;
  port: number;
  transport: IceTransport;
  /** turn: or turns: — a relay, which needs credentials. */
  relay: boolean;
}

const URI = /^(stuns?|turns?):(\[[0-9A-Fa-f:.]+\]|[^\s:?[\]/]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i;

/** Parses one URI; undefined when it is not a STUN or TURN URI a browser would take. */
export function parseIceUrl(url: string): IceUrl | undefined {
  const match = URI.exec(url.trim());
  if (match === null) return undefined;
  const scheme = match[1]!.toLowerCase() as IceUrlScheme;
  const secure = scheme.endsWith('s');
  const relay = scheme.startsWith('turn');
  const transportParam = match[4]?.toLowerCase();
  // RFC 7064: stun URIs carry no transport parameter.
  if (!relay && transportParam !== undefined) return undefined;
  const port = match[3] === undefined ? (secure ? 5349 : 3478) : Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  // turns: is TLS over TCP; a transport=udp on it would be DTLS, which browsers do not offer.
  if (secure && transportParam === 'udp') return undefined;
  const transport: IceTransport = secure ? 'TLS' : transportParam === 'tcp' ? 'TCP' : 'UDP';
  return { url: url.trim(), scheme, host: match[2]!.replace(/^\[|\]$/g, ''), port, transport, relay };
}
