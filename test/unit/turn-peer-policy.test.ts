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
});
