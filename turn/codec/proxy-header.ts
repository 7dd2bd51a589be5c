import { isIPv4, isIPv6 } from 'node:net';
import { decodeAddress, encodeAddress, type TransportAddress } from './address.js';

/** The 12 bytes a version 2 header starts with (spec §2.2): no protocol a relay serves starts this way. */
export const PROXY_V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
/** How a version 1 (text) header starts (spec §2.1). */
export const PROXY_V1_SIGNATURE = Buffer.from('PROXY ', 'latin1');
/** The longest version 1 line the spec allows, CRLF included. */
export const MAX_PROXY_V1_BYTES = 107;
/**
 * The longest version 2 header accepted: the 16-byte fixed part, an address
 * block (36 bytes for IPv6; 216 for the UNIX family, which is refused anyway)
 * and TLVs (ALPN, authority, unique id: a few hundred bytes when a router
 * sends them all). The spec allows 65 551; a relay need not hold that much
 * for a connection that has not said who it is.
 */
export const MAX_PROXY_V2_BYTES = 1024;

const V2_FIXED_BYTES = 16;
const COMMAND_LOCAL = 0x0;
const COMMAND_PROXY = 0x1;
const FAMILY_INET = 0x1;
const FAMILY_INET6 = 0x2;
const PROTOCOL_STREAM = 0x1;
const INET_BLOCK_BYTES = 12;
const INET6_BLOCK_BYTES = 36;

export type ProxyHeader =
  | { status: 'incomplete' }
  | { status: 'invalid'; problem: string }
  /**
   * `length` bytes of the data are the header; the client's own bytes follow.
   * `source` is the client; undefined for LOCAL (v2) and UNKNOWN (v1), where
   * the connection's own peer is the client (a router's health check).
   */
  | { status: 'complete'; version: 1 | 2; length: number; source: TransportAddress | undefined };

const incomplete: ProxyHeader = { status: 'incomplete' };
const invalid = (problem: string): ProxyHeader => ({ status: 'invalid', problem });

/**
 * Reads a PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1
 * and 2) from the first bytes of a connection, as a router in front of the
 * relay sends it before anything the client sent.
 *
 * `data` is everything received so far; call again with more when the
 * answer is `incomplete`. The answer is `invalid` as soon as the bytes cannot
 * begin a header (a wrong signature byte, version, command, family or
 * protocol, a v2 header announcing more than MAX_PROXY_V2_BYTES, a v1 line
 * longer than MAX_PROXY_V1_BYTES or malformed), so a caller holds at most
 * MAX_PROXY_V2_BYTES. Version 2 accepts LOCAL with any address block and
 * PROXY for TCP over IPv4 or IPv6; TLVs are skipped unread. An IPv4-mapped
 * IPv6 source is given as IPv4. Never throws.
 */
export function readProxyHeader(data: Buffer): ProxyHeader {
  if (startsWith(data, PROXY_V2_SIGNATURE)) return readV2(data);
  if (startsWith(data, PROXY_V1_SIGNATURE)) return data.length < PROXY_V1_SIGNATURE.length ? incomplete : readV1(data);
  return invalid('no PROXY protocol signature');
}

/**
 * Whether a connection's first bytes are a PROXY header's signature: `maybe`
 * while they are too few to tell (at most 12 bytes are ever needed).
 */
export function proxySignature(data: Buffer): 'yes' | 'no' | 'maybe' {
  for (const signature of [PROXY_V2_SIGNATURE, PROXY_V1_SIGNATURE]) {
    if (startsWith(data, signature)) return data.length >= signature.length ? 'yes' : 'maybe';
  }
  return 'no';
}

/** Whether `data` and `prefix` agree on the bytes both have (an empty `data` agrees with anything). */
function startsWith(data: Buffer, prefix: Buffer): boolean {
  const length = Math.min(data.length, prefix.length);
  return data.subarray(0, length).equals(prefix.subarray(0, length));
}

function readV2(data: Buffer): ProxyHeader {
  if (data.length < 13) return incomplete;
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return invalid(`version ${versionCommand >> 4}, not 2`);
  const command = versionCommand & 0x0f;
  if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY) return invalid(`unknown command ${command}`);
  if (data.length < 14) return incomplete;
  const family = data[13]! >> 4;
  const protocol = data[13]! & 0x0f;
  const blockBytes = family === FAMILY_INET ? INET_BLOCK_BYTES : family === FAMILY_INET6 ? INET6_BLOCK_BYTES : 0;
  if (command === COMMAND_PROXY && (blockBytes === 0 || protocol !== PROTOCOL_STREAM)) {
    return invalid(`PROXY for family ${family} protocol ${protocol}: only TCP over IPv4 or IPv6 is relayed`);
  }
  if (data.length < V2_FIXED_BYTES) return incomplete;
  const length = V2_FIXED_BYTES + data.readUInt16BE(14);
  if (length > MAX_PROXY_V2_BYTES) return invalid(`header of ${length} bytes exceeds ${MAX_PROXY_V2_BYTES}`);
  if (command === COMMAND_PROXY && length < V2_FIXED_BYTES + blockBytes) {
    return invalid('address block shorter than its family needs');
  }
  if (data.length < length) return incomplete;
  if (command === COMMAND_LOCAL) return { status: 'complete', version: 2, length, source: undefined };
  const block = data.subarray(V2_FIXED_BYTES);
  const source =
    family === FAMILY_INET
      ? { family: 4 as const, address: block.subarray(0, 4).join('.'), port: block.readUInt16BE(8) }
      : ipv6Source(block.subarray(0, 16), block.readUInt16BE(32));
  return { status: 'complete', version: 2, length, source };
}

function ipv6Source(ip: Buffer, port: number): TransportAddress {
  const { address } = decodeAddress(Buffer.concat([Buffer.from([0, 2, 0, 0]), ip]));
  return unmapped(address, port);
}

/** `::ffff:192.0.2.1` is the IPv4 client 192.0.2.1: one client, one quota, one family in XOR-MAPPED-ADDRESS. */
function unmapped(address: string, port: number): TransportAddress {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  return mapped === null ? { family: 6, address, port } : { family: 4, address: mapped[1]!, port };
}

/** `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`, `PROXY TCP6 …`, or `PROXY UNKNOWN[ anything]\r\n`. */
function readV1(data: Buffer): ProxyHeader {
  const end = data.subarray(0, MAX_PROXY_V1_BYTES).indexOf('\r\n');
  if (end === -1) {
    if (data.length >= MAX_PROXY_V1_BYTES) return invalid(`no CRLF within ${MAX_PROXY_V1_BYTES} bytes`);
    return data.subarray(0, MAX_PROXY_V1_BYTES).includes(0x0a) ? invalid('LF without CR') : incomplete;
  }
  const length = end + 2;
  const fields = data.subarray(0, end).toString('latin1').split(' ');
  if (fields[1] === 'UNKNOWN') return { status: 'complete', version: 1, length, source: undefined };
  if (fields.length !== 6) return invalid('a v1 line has 6 fields');
  const [, protocol, source = '', destination = '', sourcePort = '', destinationPort = ''] = fields;
  const isFamily = protocol === 'TCP4' ? isIPv4 : protocol === 'TCP6' ? isIPv6 : undefined;
  if (isFamily === undefined) return invalid(`unknown v1 protocol "${protocol}"`);
  if (!isFamily(source) || !isFamily(destination) || source.includes('%') || destination.includes('%')) {
    return invalid(`addresses are not ${protocol}`);
  }
  const port = v1Port(sourcePort);
  if (port === undefined || v1Port(destinationPort) === undefined) return invalid('bad v1 port');
  if (protocol === 'TCP4')
    return { status: 'complete', version: 1, length, source: { family: 4, address: source, port } };
  // The canonical form (compressed, lower case), as node:net reports peers: quotas and logs compare these strings.
  const canonical = decodeAddress(encodeAddress({ family: 6, address: source, port: 0 })).address;
  return { status: 'complete', version: 1, length, source: unmapped(canonical, port) };
}

/** Decimal 0–65535 without leading zeros (spec §2.1). */
function v1Port(text: string): number | undefined {
  if (!/^(0|[1-9]\d{0,4})$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 0xffff ? port : undefined;
}
