/**
 * coturn's turnutils_uclient against our relay over IPv6: the client talks
 * to [::1], asks for an IPv6 relayed address (uclient's -x: the
 * REQUESTED-ADDRESS-FAMILY IPv6 its -6-less builds spell that way), and
 * relays through a turnutils_peer echo server on [::1]; every packet must
 * come back. The IPv6 relay sockets bind ::1, an allowed peer here. The
 * peer address is [::1]: an IPv4 allocation would get 443 for it, and
 * nothing would come back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort } from '../helpers/ports.js';
import { RELAY_SECRET, startRelay, type TestRelay } from '../helpers/relay.js';
import { PEER, UCLIENT, runUclient, type UclientRun } from '../helpers/uclient.js';

let relay: TestRelay;
let peer: ChildProcess;
let peerPort: number;
let runs = 0;

beforeAll(async () => {
  for (const tool of [UCLIENT, PEER]) {
    if (!existsSync(tool))
      throw new Error(`${tool} is missing: install Debian's coturn package (apt-get install coturn)`);
  }
  relay = await startRelay(
    {
      TURN_RELAY_ADDRESS6: '::1',
      TURN_ALLOWED_PEERS: '::1/128, 127.0.0.1/32',
      TURN_MAX_ALLOCATIONS_PER_ADDRESS: '1000',
    },
    { relayPortCount: 300 },
  );
  peerPort = await freeUdpPort();
  peer = spawn(PEER, ['-p', String(peerPort), '-L', '::1', '-L', '127.0.0.1'], { stdio: 'ignore' });
});

afterAll(async () => {
  peer?.kill();
  await relay?.close();
});

function uclient(flags: string[], peerHost = '::1'): Promise<UclientRun> {
  runs += 1;
  return runUclient(flags, {
    port: relay.ports.udp,
    secret: RELAY_SECRET,
    user: `uclient6-${runs}`,
    peerPort,
    host: '::1',
    peerHost,
  });
}

describe('turnutils_uclient over IPv6 against our relay', () => {
  it.each([
    ['IPv6 relay (-x): RTP/RTCP pairs, even ports, channels', ['-x']],
    ['IPv6 relay, channels, no RTCP (-x -c)', ['-x', '-c']],
    ['IPv6 relay, send indications (-x -s)', ['-x', '-s']],
    ['IPv6 relay, client to client (-x -y)', ['-x', '-y']],
    ['IPv6 relay over TCP (-x -t)', ['-x', '-t']],
  ])('%s: every packet comes back', async (_name, flags) => {
    const result = await uclient(flags);
    expect(result.output).toMatch(/Total lost packets/);
    expect(result.lost, result.output.slice(-2000)).toBe(0);
    expect(result.code).toBe(0);
  });

  it('an IPv6 client that names no family relays from IPv4 to an IPv4 peer', async () => {
    const result = await uclient(['-c'], '127.0.0.1');
    expect(result.lost, result.output.slice(-2000)).toBe(0);
    expect(result.code).toBe(0);
  });
});
