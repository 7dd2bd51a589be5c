/**
 * The `lookup` of every UDP socket of the relay. dgram resolves the address
 * of every send through it, and the default, dns.lookup, defers even an IP
 * literal to the next tick: a closure, a tick and a second call per relayed
 * datagram. The relay only ever sends to IP literals (a client's source
 * address, a peer from XOR-PEER-ADDRESS, its own configured addresses), so
 * this answers those at once and refuses names: a name never reaches DNS.
 */
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

export function ipLiteralLookup(hostname: string, _options: unknown, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family === 0) {
    const error: NodeJS.ErrnoException = new Error(`not an IP address: ${hostname}`);
    error.code = 'ENOTFOUND';
    return callback(error, '', 0);
  }
  callback(null, hostname, family);
}
