import { describe, expect, it } from 'vitest';
import {
  MAX_PROXY_V1_BYTES,
  MAX_PROXY_V2_BYTES,
  PROXY_V2_SIGNATURE,
  proxySignature,
  readProxyHeader,
  type ProxyHeader,
} from '../../turn/codec/proxy-header.js';
import { prng } from '../helpers/prng.js';

/** A v2 header as HAProxy's send-proxy-v2 writes it: `command` 0 LOCAL / 1 PROXY, `family` 1 INET / 2 INET6. */
function v2(options: {
  command?: number;
  version?: number;
  family?: number;
  protocol?: number;
  block?: Buffer;
  tlvs?: Buffer;
}): Buffer {
  const { command = 1, version = 2, family = 1, protocol = 1, block = inet('203.0.113.7', 40000), tlvs } = options;
  const rest = Buffer.concat([block, tlvs ?? Buffer.alloc(0)]);
  const fixed = Buffer.alloc(4);
  fixed[0] = (version << 4) | command;
  fixed[1] = (family << 4) | protocol;
  fixed.writeUInt16BE(rest.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, rest]);
}

function inet(source: string, sourcePort: number, destination = '192.0.2.1', destinationPort = 443): Buffer {
  const block = Buffer.alloc(12);
  Buffer.from(source.split('.').map(Number)).copy(block, 0);
  Buffer.from(destination.split('.').map(Number)).copy(block, 4);
  block.writeUInt16BE(sourcePort, 8);
  block.writeUInt16BE(destinationPort, 10);
  return block;
}

function inet6(source: Buffer, sourcePort: number): Buffer {
  const block = Buffer.alloc(36);
  source.copy(block, 0);
  block[31] = 1;
  block.writeUInt16BE(sourcePort, 32);
  block.writeUInt16BE(443, 34);
  return block;
}

/** A TLV (spec §2.2.7): type, 16-bit length, value. */
function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}

const CLIENT_BYTES = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05]);

describe('PROXY protocol v2', () => {
  it('reads an IPv4 client and says where its own bytes begin', () => {
    const header = v2({});
    expect(readProxyHeader(Buffer.concat([header, CLIENT_BYTES]))).toEqual({
      status: 'complete',
      version: 2,
      length: 28,
      source: { family: 4, address: '203.0.113.7', port: 40000 },
    });
  });

  it('reads an IPv6 client in the form node:net prints, and an IPv4-mapped one as IPv4', () => {
    const ip = Buffer.from('20010db8000000000000000000000042', 'hex');
    expect(readProxyHeader(v2({ family: 2, block: inet6(ip, 5000) }))).toMatchObject({
      length: 52,
      source: { family: 6, address: '2001:db8::42', port: 5000 },
    });
    const mapped = Buffer.from('00000000000000000000ffffcb007107', 'hex');
    expect(readProxyHeader(v2({ family: 2, block: inet6(mapped, 5001) }))).toMatchObject({
      source: { family: 4, address: '203.0.113.7', port: 5001 },
    });
  });

  it('skips TLVs unread', () => {
    const tlvs = Buffer.concat([tlv(0x01, Buffer.from('h2')), tlv(0x02, Buffer.from('turn.example.com'))]);
    const header = v2({ tlvs });
    expect(readProxyHeader(Buffer.concat([header, CLIENT_BYTES]))).toMatchObject({
      status: 'complete',
      length: header.length,
      source: { address: '203.0.113.7', port: 40000 },
    });
  });

  it('takes LOCAL (a health check) with no client of its own, whatever the address block', () => {
    expect(readProxyHeader(v2({ command: 0, family: 0, protocol: 0, block: Buffer.alloc(0) }))).toEqual({
      status: 'complete',
      version: 2,
      length: 16,
      source: undefined,
    });
    expect(readProxyHeader(v2({ command: 0 }))).toMatchObject({ length: 28, source: undefined });
  });

  it('waits for the rest of a header cut anywhere, and reads the same header once whole', () => {
    const whole = Buffer.concat([v2({ tlvs: tlv(0x04, Buffer.alloc(20)) }), CLIENT_BYTES]);
    const headerLength = whole.length - CLIENT_BYTES.length;
    for (let cut = 0; cut < headerLength; cut++) {
      expect(readProxyHeader(whole.subarray(0, cut)), `cut at ${cut}`).toEqual({ status: 'incomplete' });
    }
    expect(readProxyHeader(whole)).toMatchObject({ status: 'complete', length: headerLength });
  });

  it('refuses a wrong signature byte, version or command as soon as it arrives', () => {
    const bad = Buffer.from(PROXY_V2_SIGNATURE);
    bad[5] = 0x0a;
    expect(readProxyHeader(bad.subarray(0, 6))).toMatchObject({ status: 'invalid' });
    expect(readProxyHeader(v2({ version: 1 }).subarray(0, 13))).toEqual({
      status: 'invalid',
      problem: 'version 1, not 2',
    });
    expect(readProxyHeader(v2({ command: 2 }).subarray(0, 13))).toEqual({
      status: 'invalid',
      problem: 'unknown command 2',
    });
  });

  it('refuses PROXY for UNSPEC, UNIX or UDP: the relay needs a TCP client address', () => {
    for (const [family, protocol] of [
      [0, 0],
      [3, 1],
      [1, 2],
      [2, 0],
    ] as const) {
      expect(
        readProxyHeader(v2({ family, protocol }).subarray(0, 14)),
        `family ${family} protocol ${protocol}`,
      ).toEqual({
        status: 'invalid',
        problem: `PROXY for family ${family} protocol ${protocol}: only TCP over IPv4 or IPv6 is relayed`,
      });
    }
  });

  it(`refuses a header announcing more than ${MAX_PROXY_V2_BYTES} bytes before holding it, and a short address block`, () => {
    const huge = v2({ tlvs: Buffer.alloc(MAX_PROXY_V2_BYTES) });
    expect(readProxyHeader(huge.subarray(0, 16))).toEqual({
      status: 'invalid',
      problem: `header of ${huge.length} bytes exceeds ${MAX_PROXY_V2_BYTES}`,
    });
    expect(readProxyHeader(v2({ tlvs: Buffer.alloc(MAX_PROXY_V2_BYTES - 28) }))).toMatchObject({
      status: 'complete',
      length: MAX_PROXY_V2_BYTES,
    });
    expect(readProxyHeader(v2({ block: Buffer.alloc(8) }))).toEqual({
      status: 'invalid',
      problem: 'address block shorter than its family needs',
    });
  });

  it('refuses bytes that are no header at all: TURN, TLS, HTTP', () => {
    for (const first of [Buffer.from([0x00, 0x03, 0x00, 0x00]), CLIENT_BYTES, Buffer.from('GET / HTTP/1.1\r\n')]) {
      expect(readProxyHeader(first)).toEqual({ status: 'invalid', problem: 'no PROXY protocol signature' });
    }
  });
});

describe('PROXY protocol v1 (nginx)', () => {
  const read = (line: string): ProxyHeader => readProxyHeader(Buffer.from(line, 'latin1'));

  it('reads TCP4 and TCP6 lines, the IPv6 source in canonical form', () => {
    expect(read('PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n\x16\x03')).toEqual({
      status: 'complete',
      version: 1,
      length: 44,
      source: { family: 4, address: '203.0.113.7', port: 40000 },
    });
    expect(read('PROXY TCP6 2001:DB8:0:0:0:0:0:42 2001:db8::1 5000 443\r\n')).toMatchObject({
      source: { family: 6, address: '2001:db8::42', port: 5000 },
    });
  });

  it('takes UNKNOWN as a connection with no client of its own', () => {
    expect(read('PROXY UNKNOWN\r\n')).toEqual({ status: 'complete', version: 1, length: 15, source: undefined });
    expect(read('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n')).toMatchObject({ status: 'complete', source: undefined });
  });

  it('waits for the CRLF, and refuses a line without one within 107 bytes', () => {
    const line = 'PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n';
    for (let cut = 0; cut < line.length; cut++) {
      expect(read(line.slice(0, cut)), `cut at ${cut}`).toEqual({ status: 'incomplete' });
    }
    expect(read(`PROXY UNKNOWN ${'x'.repeat(MAX_PROXY_V1_BYTES - 16)}\r\n`)).toMatchObject({
      status: 'complete',
      length: MAX_PROXY_V1_BYTES,
    });
    expect(read(`PROXY UNKNOWN ${'x'.repeat(MAX_PROXY_V1_BYTES - 15)}\r\n`)).toEqual({
      status: 'invalid',
      problem: `no CRLF within ${MAX_PROXY_V1_BYTES} bytes`,
    });
  });

  it('refuses malformed lines', () => {
    for (const line of [
      'PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\n',
      'PROXY TCP4 203.0.113.7 192.0.2.1 40000\r\n',
      'PROXY TCP4 2001:db8::1 192.0.2.1 40000 443\r\n',
      'PROXY TCP6 203.0.113.7 2001:db8::1 40000 443\r\n',
      'PROXY TCP6 fe80::1%eth0 2001:db8::1 40000 443\r\n',
      'PROXY TCP4 203.0.113.07 192.0.2.1 40000 443\r\n',
      'PROXY TCP4 203.0.113.7 192.0.2.1 040000 443\r\n',
      'PROXY TCP4 203.0.113.7 192.0.2.1 65536 443\r\n',
      'PROXY UDP4 203.0.113.7 192.0.2.1 40000 443\r\n',
      'PROXY  TCP4 203.0.113.7 192.0.2.1 40000 443\r\n',
      'PROXX TCP4 203.0.113.7 192.0.2.1 40000 443\r\n',
    ]) {
      expect(read(line), JSON.stringify(line)).toMatchObject({ status: 'invalid' });
    }
  });
});

describe('the PROXY signature on a connection from anyone else', () => {
  it('is told from TURN, ChannelData and TLS within the bytes that differ, and waits while they agree', () => {
    expect(proxySignature(Buffer.alloc(0))).toBe('maybe');
    expect(proxySignature(PROXY_V2_SIGNATURE.subarray(0, 11))).toBe('maybe');
    expect(proxySignature(PROXY_V2_SIGNATURE)).toBe('yes');
    expect(proxySignature(Buffer.from('PROXY'))).toBe('maybe');
    expect(proxySignature(Buffer.from('PROXY TCP4 '))).toBe('yes');
    expect(proxySignature(Buffer.from([0x00, 0x01, 0x00, 0x00]))).toBe('no');
    expect(proxySignature(Buffer.from([0x40, 0x00, 0x00, 0x04]))).toBe('no');
    expect(proxySignature(CLIENT_BYTES)).toBe('no');
    expect(proxySignature(Buffer.from([0x0d, 0x0a, 0x0d, 0x0b]))).toBe('no');
    expect(proxySignature(Buffer.from('PRO\r'))).toBe('no');
  });
});

describe('PROXY header fuzz', () => {
  it('never throws on 20 000 mutated headers, always answers within the bounds, and both accepts and refuses', () => {
    const random = prng(0x9e0c_2026);
    const seeds = [
      v2({}),
      v2({ family: 2, block: inet6(Buffer.alloc(16, 0x20), 1) }),
      v2({ command: 0, tlvs: tlv(1, Buffer.from('h2')) }),
      Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n'),
      Buffer.from('PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n'),
    ];
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const input = Buffer.from(seeds[random.int(seeds.length)]!);
      for (let flips = random.int(4); flips >= 0; flips--) input[random.int(input.length)] = random.int(256);
      const data = Buffer.concat([input.subarray(0, random.int(input.length + 1)), random.bytes(random.int(8))]);
      let result: ProxyHeader;
      try {
        result = readProxyHeader(data);
      } catch (error) {
        throw new Error(`threw on ${data.toString('hex')}`, { cause: error });
      }
      seen.add(result.status);
      if (result.status === 'complete') {
        expect(result.length).toBeLessThanOrEqual(Math.min(data.length, MAX_PROXY_V2_BYTES));
        if (result.source !== undefined) expect(result.source.port).toBeLessThanOrEqual(0xffff);
      }
      if (result.status === 'incomplete') expect(data.length).toBeLessThan(MAX_PROXY_V2_BYTES);
    }
    expect([...seen].sort()).toEqual(['complete', 'incomplete', 'invalid']);
  });
});
