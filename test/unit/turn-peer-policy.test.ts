import { describe, expect, it } from 'vitest';
import { PeerPolicy, VERDICT_MEMO_SIZE } from '../../turn/peer-policy.js';

const policy = new PeerPolicy({
  relayAddresses: ['203.0.113.10'],
  localAddresses: ['127.0.0.1', '203.0.113.10', '198.51.100.77', '::1'],
  allowed: [],
});

describe('TURN peer policy', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '2001:db8::1',
    'fd00::1',
    'fe80::1',
  ])('refuses %s', (address) => {
    expect(policy.permission(address)).toBe('denied');
  });

  it('allows public peers', () => {
    expect(policy.permission('8.8.8.8')).toBe('allowed');
    expect(policy.permission('2a00:1450:4001::1')).toBe('allowed');
  });

  it("refuses the machine's own public addresses", () => {
    expect(policy.permission('198.51.100.77')).toBe('denied');
  });

  it('tells its own relay address apart (reachable only at live allocations, which the manager knows), in either IPv4 form', () => {
    expect(policy.permission('203.0.113.10')).toBe('own-relay');
    expect(policy.permission('::ffff:203.0.113.10')).toBe('own-relay');
  });

  it('lets an explicit allow list open a range for a lab', () => {
    const lab = new PeerPolicy({
      relayAddresses: [],
      localAddresses: ['127.0.0.1'],
      allowed: ['127.0.0.1/32', '10.9.0.0/16'],
    });
    expect(lab.permission('127.0.0.1')).toBe('allowed');
    expect(lab.permission('10.9.3.4')).toBe('allowed');
    expect(lab.permission('10.8.3.4')).toBe('denied');
  });

  it('remembers verdicts within a bound, and a memo refilled by a flood of addresses still judges right', () => {
    const memo = new PeerPolicy({ relayAddresses: ['203.0.113.10'], localAddresses: ['127.0.0.1'], allowed: [] });
    for (let i = 0; i < 3 * VERDICT_MEMO_SIZE; i++) {
      expect(memo.permission(`8.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)).toBe('allowed');
      expect(memo.permission(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)).toBe('denied');
      expect(memo.remembered).toBeLessThanOrEqual(VERDICT_MEMO_SIZE);
    }
    expect(memo.permission('203.0.113.10')).toBe('own-relay');
    expect(memo.permission('169.254.169.254')).toBe('denied');
  });

  describe('IPv6', () => {
    const v6 = new PeerPolicy({
      relayAddresses: ['203.0.113.10', '2001:db8:1::10', '2a01:4f8::10'],
      localAddresses: ['127.0.0.1', '::1', '2a01:4f8::10', '2a01:4f8::77', 'fe80::fc:ff:fe00:1'],
      allowed: [],
    });

    it.each([
      ['loopback', '::1'],
      ['unspecified', '::'],
      ['link-local', 'fe80::1'],
      ['link-local, top of fe80::/10', 'febf:ffff::1'],
      ['unique local', 'fd00::1'],
      ['unique local, fc00::/8 half', 'fc12::1'],
      ['multicast', 'ff02::1'],
      ['multicast, global scope', 'ff0e::1'],
      ['documentation', '2001:db8::1'],
      ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
      ['IPv4-mapped private', '::ffff:10.0.0.1'],
      ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
      ['NAT64 of a private IPv4', '64:ff9b::a00:1'],
      ['NAT64 of a public IPv4 (the prefix is denied whole)', '64:ff9b::808:808'],
      ['NAT64 local-use', '64:ff9b:1::a00:1'],
      ['NAT64 local-use, of a public IPv4', '64:ff9b:1:ffff::808:808'],
      ['IPv4-compatible (deprecated)', '::808:808'],
      ['IPv4-compatible of loopback', '::7f00:1'],
      ['6to4 carrying a private IPv4', '2002:a00:1::1'],
      ['6to4 carrying loopback', '2002:7f00:1::1'],
      ['6to4 carrying the metadata address', '2002:a9fe:a9fe::1'],
      ['6to4 carrying 0.0.0.0', '2002::1'],
      ['6to4 carrying a multicast IPv4', '2002:e000:1::1'],
      ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
      ['the discard prefix', '100::1'],
      ["the machine's own global IPv6 address", '2a01:4f8::77'],
      ["the machine's own link-local address", 'fe80::fc:ff:fe00:1'],
    ])('refuses %s (%s)', (_what, address) => {
      expect(v6.permission(address)).toBe('denied');
    });

    it.each([
      ['a global unicast address', '2a00:1450:4001::1'],
      ['6to4 carrying a public IPv4', '2002:808:808::1'],
      [
        'IPv4-mapped public IPv4 (IPv4 rules; the request handler makes it IPv4, 443 on an IPv6 allocation)',
        '::ffff:8.8.8.8',
      ],
      ['just outside the discard prefix', '100:0:0:1::1'],
      ['just outside Teredo', '2001:1::1'],
      ['just outside NAT64 local-use', '64:ff9b:2::1'],
      ['just outside link-local', 'fec0::1'],
    ])('allows %s (%s)', (_what, address) => {
      expect(v6.permission(address)).toBe('allowed');
    });

    it('tells its own IPv6 relay addresses apart, bound and advertised, though one is also a local address', () => {
      expect(v6.permission('2001:db8:1::10')).toBe('own-relay');
      expect(v6.permission('2a01:4f8::10')).toBe('own-relay');
    });

    it('judges a 6to4 address by the deny list alone: an allow list entry for the IPv4 address it carries opens nothing', () => {
      const lab = new PeerPolicy({ relayAddresses: [], localAddresses: [], allowed: ['127.0.0.1/32'] });
      expect(lab.permission('127.0.0.1')).toBe('allowed');
      expect(lab.permission('2002:7f00:1::1')).toBe('denied');
    });

    it('lets the allow list open an IPv6 range for a lab, and only that range', () => {
      const lab = new PeerPolicy({ relayAddresses: [], localAddresses: ['::1'], allowed: ['::1/128', 'fd00:9::/64'] });
      expect(lab.permission('::1')).toBe('allowed');
      expect(lab.permission('fd00:9::5')).toBe('allowed');
      expect(lab.permission('fd00:8::5')).toBe('denied');
    });
  });
});
