/**
 * Interop with coturn's own test tools (Debian's `coturn` package):
 * turnutils_uclient talks to our relay in each of its modes, through
 * turnutils_peer, and must see every packet come back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { testCertificate } from '../helpers/certificate.js';
import { freeUdpPort } from '../helpers/ports.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  const certs = await testCertificate();
  relay = await startRelay(
    {
      TURN_ALLOWED_PEERS: '127.0.0.1/32',
      // Every run's clients come from 127.0.0.1 and leave their allocations (and reservations) to expire.
      TURN_MAX_ALLOCATIONS_PER_ADDRESS: '1000',
      TURN_TLS_PORT: '0',
      TURN_TLS_CERT: certs.cert,
      TURN_TLS_KEY: certs.key,
    },
    { relayPortCount: 500 },
  );
  peerPort = await freeUdpPort();
  peer = spawn(PEER, ['-p', String(peerPort), '-L', '127.0.0.1'], { stdio: 'ignore' });
});

afterAll(async () => {
  peer?.kill();
  await relay?.close();
});

/** Runs uclient with REST credentials from the shared secret; returns the loss line's numbers. */
function uclient(flags: string[], port = relay.ports.udp): Promise<UclientRun> {
  runs += 1;
  return runUclient(flags, { port, secret: RELAY_SECRET, user: `uclient-${runs}`, peerPort });
}

describe('turnutils_uclient against our relay', () => {
  it.each([
    ['default (RTP/RTCP pairs, even ports, channels)', []],
    ['channels, no RTCP (-c)', ['-c']],
    ['send indications (-s)', ['-s']],
    ['client to client through the relay (-y)', ['-y']],
    ['TCP (-t)', ['-t']],
  ])('%s: every packet comes back', async (_name, flags) => {
    const result = await uclient(flags);
    expect(result.output).toMatch(/Total lost packets/);
    expect(result.lost, result.output.slice(-2000)).toBe(0);
    expect(result.code).toBe(0);
  });

  it('TLS (-S) with the configured certificate: every packet comes back', async () => {
    expect(relay.ports.tls).toBeDefined();
    const result = await uclient(['-S', '-t'], relay.ports.tls);
    expect(result.lost, result.output.slice(-2000)).toBe(0);
    expect(result.code).toBe(0);
  });

  it('counts what it relayed in its metrics', async () => {
    const relayed = async () => ({
      toPeer: await relay.metric('vc_turn_relayed_packets_total{direction="to-peer"}'),
      toClient: await relay.metric('vc_turn_relayed_packets_total{direction="to-client"}'),
    });
    const before = await relayed();
    const result = await uclient(['-c']);
    expect(result.lost, result.output.slice(-2000)).toBe(0);
    // uclient's own count of what it sent and heard back: each went to the peer and back through the relay once.
    const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\n/.exec(result.output);
    const [sent, heard] = [Number(totals?.[1]), Number(totals?.[2])];
    expect(sent).toBe(5 * 200);
    expect(heard).toBe(sent);
    const after = await relayed();
    expect(after.toPeer - before.toPeer).toBe(sent);
    expect(after.toClient - before.toClient).toBe(heard);
  });
});
