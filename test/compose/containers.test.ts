/**
 * The image on its own, through testcontainers on the same engine: the relay
 * command answering coturn's own client, and the server's HEALTHCHECK and
 * graceful stop (SIGTERM, as `docker stop` sends it: peers told, exit 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { TestClient } from '../helpers/client.js';
import { api } from './engine.js';
import { freePorts, freeUdpRange } from './ports.js';
import { PEER, UCLIENT, runUclient, type UclientRun } from '../helpers/uclient.js';

describe('the relay container (node dist/turn/main.js) on the host network', () => {
  const secret = randomBytes(24).toString('hex');
  let relay: StartedTestContainer;
  let peer: ChildProcess;
  let turnPort: number;
  let peerPort: number;
  let runs = 0;

  beforeAll(async () => {
    for (const tool of [UCLIENT, PEER]) {
      if (!existsSync(tool))
        throw new Error(`${tool} is missing: install Debian's coturn package (test/compose/install.sh does)`);
    }
    let metricsPort: number;
    [turnPort, metricsPort, peerPort] = (await freePorts(3, true)) as [number, number, number];
    const range = await freeUdpRange(40, 46_500);
    relay = await new GenericContainer(inject('appImage'))
      .withCommand(['node', 'dist/turn/main.js'])
      .withNetworkMode('host')
      .withEnvironment({
        TURN_SECRET: secret,
        TURN_PORT: String(turnPort),
        TURN_METRICS_PORT: String(metricsPort),
        TURN_MIN_PORT: String(range.min),
        TURN_MAX_PORT: String(range.max),
        TURN_RELAY_ADDRESS: '127.0.0.1',
        // The lab's echo peer is on loopback, which the relay refuses by default.
        TURN_ALLOWED_PEERS: '127.0.0.1/32',
      })
      .withWaitStrategy(Wait.forLogMessage(/TURN relay listening/))
      .start();
    peer = spawn(PEER, ['-p', String(peerPort), '-L', '127.0.0.1'], { stdio: 'ignore' });
  });

  afterAll(async () => {
    peer?.kill();
    await relay?.stop({ timeout: 10_000 });
  });

  function uclient(flags: string[]): Promise<UclientRun> {
    runs += 1;
    return runUclient(flags, { port: turnPort, secret, user: `container-${runs}`, peerPort });
  }

  it.each([
    ['UDP', []],
    ['TCP (-t)', ['-t']],
  ])('answers turnutils_uclient over %s, every packet back through the relay', async (_name, flags) => {
    const result = await uclient(flags);
    expect(result.lost, result.output.slice(-2000)).toBe(0);
    expect(result.code).toBe(0);
  });
});

describe('the server container (the image as built, default command)', () => {
  let server: StartedTestContainer;

  beforeAll(async () => {
    server = await new GenericContainer(inject('appImage'))
      .withExposedPorts(8080)
      .withEnvironment({ LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '5000' })
      // The image's own HEALTHCHECK (GET /healthz) must report healthy.
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(60_000)
      .start();
  });

  afterAll(async () => {
    await server?.stop({ timeout: 10_000 }).catch(() => undefined);
  });

  it('runs as the unprivileged node user and reports healthy through the image HEALTHCHECK', async () => {
    const { body } = await api<{ Config: { User: string }; State: { Health?: { Status: string } } }>(
      `/containers/${server.getId()}/json`,
    );
    expect(body.Config.User).toBe('node');
    expect(body.State.Health?.Status).toBe('healthy');
    const health = await fetch(`http://${server.getHost()}:${server.getMappedPort(8080)}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('on SIGTERM (docker stop) tells the peers of a call server-shutdown and exits 0', async () => {
    const wsUrl = `ws://${server.getHost()}:${server.getMappedPort(8080)}/ws`;
    const ada = await TestClient.joined(wsUrl, 'stopping', 'Ada');
    const bob = await TestClient.joined(wsUrl, 'stopping', 'Bob');
    await ada.client.next('peer-joined');

    const id = server.getId();
    const stopped = server.stop({ timeout: 20_000, remove: false });
    for (const peer of [ada, bob]) {
      expect(await peer.client.next('error', 10_000)).toMatchObject({ type: 'error', code: 'server-shutdown' });
      peer.client.close();
    }
    await stopped;

    const { body } = await api<{ State: { Running: boolean; ExitCode: number } }>(`/containers/${id}/json`);
    expect(body.State.Running).toBe(false);
    expect(body.State.ExitCode).toBe(0);
    await api(`/containers/${id}?force=true&v=true`, 'DELETE');
  });
});
