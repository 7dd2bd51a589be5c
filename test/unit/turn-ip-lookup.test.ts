import { describe, expect, it } from 'vitest';
import { ipLiteralLookup } from '../../turn/ip-lookup.js';

function lookup(hostname: string) {
  let answer: { err: NodeJS.ErrnoException | null; address: string; family: number } | undefined;
  ipLiteralLookup(hostname, 4, (err, address, family) => {
    answer = { err, address, family };
  });
  return answer;
}

describe("the relay sockets' address lookup", () => {
  it('answers IPv4 and IPv6 literals before returning', () => {
    expect(lookup('192.0.2.1')).toEqual({ err: null, address: '192.0.2.1', family: 4 });
    expect(lookup('2001:db8::1')).toEqual({ err: null, address: '2001:db8::1', family: 6 });
  });

  it('refuses names, so a send never reaches DNS', () => {
    const answer = lookup('localhost');
    expect(answer?.err?.code).toBe('ENOTFOUND');
    expect(answer?.address).toBe('');
  });
});
