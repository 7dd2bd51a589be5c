import { isIPv4 } from 'node:net';
import { MAGIC_COOKIE } from './constants.js';
import { StunParseError } from './parse-error.js';

export interface TransportAddress {
  family: 4 | 6;
  /** Canonical text form: dotted IPv4, or IPv6 compressed and lower-case exactly as node:net prints it. */
  address: string;
  port: number;
}

const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;

/** MAPPED-ADDRESS / ALTERNATE-SERVER: the address in the clear. */
export function decodeAddress(value: Buffer): TransportAddress {
  return decode(value, undefined);
}

export function encodeAddress(address: TransportAddress): Buffer {
  return encode(address, undefined);
}

/**
 * XOR-MAPPED-, XOR-PEER- and XOR-RELAYED-ADDRESS. The XOR keeps NATs that
 * rewrite every copy of their public address in payloads from mangling it.
 */
export function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress {
  return decode(value, xorMask(transactionId));
}

export function encodeXorAddress(address: TransportAddress, transactionId: Buffer): Buffer {
  return encode(address, xorMask(transactionId));
}

/** Magic cookie then transaction id: the port takes its first 2 bytes, IPv4 its first 4, IPv6 all 16. */
function xorMask(transactionId: Buffer): Buffer {
  if (transactionId.length !== 12) throw new RangeError('a transaction id is 12 bytes');
  const mask = Buffer.allocUnsafe(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  return mask;
}

function decode(value: Buffer, mask: Buffer | undefined): TransportAddress {
  // Byte 0 is reserved; RFC 8489 says receivers ignore it.
  const familyCode = value[1];
  const ipLength = familyCode === FAMILY_IPV4 ? 4 : familyCode === FAMILY_IPV6 ? 16 : 0;
  if (ipLength === 0) throw new StunParseError(`unknown address family ${familyCode}`);
  if (value.length !== 4 + ipLength) throw new StunParseError('address attribute has the wrong length');
  const ip = Buffer.from(value.subarray(4));
  let port = value.readUInt16BE(2);
  if (mask) {
    port ^= mask.readUInt16BE(0);
    for (let i = 0; i < ip.length; i++) ip[i]! ^= mask[i]!;
  }
  return ipLength === 4 ? { family: 4, address: ip.join('.'), port } : { family: 6, address: formatIPv6(ip), port };
}

function encode(address: TransportAddress, mask: Buffer | undefined): Buffer {
  const { family, port } = address;
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`bad port ${port}`);
  const ip = family === 4 ? parseIPv4(address.address) : parseIPv6(address.address);
  const value = Buffer.alloc(4 + ip.length);
  value[1] = family === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
  value.writeUInt16BE(mask ? port ^ mask.readUInt16BE(0) : port, 2);
  for (let i = 0; i < ip.length; i++) value[4 + i] = mask ? ip[i]! ^ mask[i]! : ip[i]!;
  return value;
}

function parseIPv4(text: string): Buffer {
  if (!isIPv4(text)) throw new RangeError(`not an IPv4 address: ${text}`);
  return Buffer.from(text.split('.').map(Number));
}

/** Accepts any RFC 4291 text form, embedded IPv4 tail included; rejects zone ids, which have no wire form. */
function parseIPv6(text: string): Buffer {
  const fail = () => new RangeError(`not an IPv6 address: ${text}`);
  const halves = text.split('::');
  if (halves.length > 2) throw fail();
  const head = parseGroups(halves[0] ?? '', halves.length === 1, fail);
  const tail = parseGroups(halves[1] ?? '', true, fail);
  const gap = 8 - head.length - tail.length;
  if (halves.length === 2 ? gap < 1 : gap !== 0) throw fail();
  const bytes = Buffer.alloc(16);
  head.forEach((word, i) => bytes.writeUInt16BE(word, i * 2));
  tail.forEach((word, i) => bytes.writeUInt16BE(word, (8 - tail.length + i) * 2));
  return bytes;
}

function parseGroups(text: string, ipv4TailAllowed: boolean, fail: () => RangeError): number[] {
  if (text === '') return [];
  const groups = text.split(':');
  return groups.flatMap((group, i) => {
    if (ipv4TailAllowed && i === groups.length - 1 && group.includes('.')) {
      const v4 = parseIPv4(group);
      return [v4.readUInt16BE(0), v4.readUInt16BE(2)];
    }
    if (!/^[0-9a-f]{1,4}$/i.test(group)) throw fail();
    return [parseInt(group, 16)];
  });
}

/**
 * RFC 5952 text, as libuv (and so node:net) prints it: the longest run of two
 * or more zero groups becomes "::" (the first on a tie), and IPv4-mapped or
 * -compatible addresses end in dotted form. Matching node matters because the
 * server compares these strings with the addresses its sockets report.
 */
function formatIPv6(ip: Buffer): string {
  const words = Array.from({ length: 8 }, (_, i) => ip.readUInt16BE(i * 2));
  const hex = (list: number[]) => list.map((word) => word.toString(16)).join(':');
  const run = longestZeroRun(words);
  if (run.length < 2) return hex(words);
  if (run.start === 0 && (run.length === 6 || (run.length === 5 && words[5] === 0xffff))) {
    return `::${run.length === 5 ? 'ffff:' : ''}${ip.subarray(12).join('.')}`;
  }
  return `${hex(words.slice(0, run.start))}::${hex(words.slice(run.start + run.length))}`;
}

function longestZeroRun(words: number[]): { start: number; length: number } {
  let best = { start: 0, length: 0 };
  let start = 0;
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length && words[i] === 0) continue;
    if (i - start > best.length) best = { start, length: i - start };
    start = i + 1;
  }
  return best;
}
