/**
 * `npm start` (launcher/main.ts) as a real process tree: the launcher, the
 * signaling server and the bundled relay, all from source through tsx. A
 * crash of one child is contained: it is restarted with backoff while the
 * other keeps serving; only a child that fails at every start makes the
 * launcher give up. Every wait is for a log line or an exit, in order.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NodeProcess, type LogLine, type SpawnOptions } from '../helpers/node-process.js';
import { TestClient } from '../helpers/client.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { freeTcpPort, freeUdpPort } from '../helpers/ports.js';

/** A test on 2 loaded cores starts up to three tsx processes, some several times. */
const TIMEOUT_MS = 90_000;

interface Launch {
  launcher: NodeProcess;
  turnPort: number;
  /** Stops the launcher; if it had to be killed, its children too. */
  stop(): Promise<void>;
}

function launch(env: Record<string, string>, options: Omit<SpawnOptions, 'env'> = {}, turnPort?: number): Launch {
  const port = turnPort ?? 0;
  const launcher = new NodeProcess('launcher/main.ts', {
    ...options,
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      STATIC_DIR: '/nonexistent-static-dir',
      TURN_PORT: String(port),
      TURN_LISTEN_HOST: '127.0.0.1',
      TURN_RELAY_ADDRESS: '127.0.0.1',
      TURN_METRICS_PORT: '0',
      ...env,
    },
  });
  return {
    launcher,
    turnPort: port,
    async stop() {
      const exit = await launcher.stop();
      if (exit.signal !== 'SIGKILL') return;
      for (const line of launcher.lines.filter(isLauncher('child started'))) {
        try {
          process.kill(Number(line.childPid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

async function launchReady(env: Record<string, string> = {}, options: Omit<SpawnOptions, 'env'> = {}) {
  const run = launch(env, options, await freeUdpPort());
  const listening = await run.launcher.waitForLog('Server listening at http://127.0.0.1');
  const relay = await run.launcher.waitForLog('TURN relay listening');
  const port = Number(/:(\d+)$/.exec(String(listening.msg))?.[1]);
  return { ...run, port, serverPid: Number(listening.pid), relayPid: Number(relay.pid) };
}

const isLauncher =
  (msg: string, child?: string) =>
  (line: LogLine): boolean =>
    line.service === 'launcher' && line.msg === msg && (child === undefined || line.child === child);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function iceServers(port: number) {
  const response = await fetch(`http://127.0.0.1:${port}/api/ice-servers`);
  expect(response.status).toBe(200);
  return (await response.json()) as { username: string; password: string; uris: string[] };
}

/** An Allocate through the relay with credentials the server just issued: the two still share a secret. */
async function allocates(port: number, turnPort: number): Promise<number> {
  const client = await TurnTestClient.open({ address: '127.0.0.1', port: turnPort }, await iceServers(port));
  try {
    return errorCode(await client.allocate());
  } finally {
    client.close();
  }
}

function holdTcpPort(port: number): Promise<Server> {
  const holder = createServer();
  return new Promise((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(port, '127.0.0.1', () => resolve(holder));
  });
}

/**
 * A WebSocket that never answers the server's close frame, so that the server's
 * graceful shutdown waits for it: SHUTDOWN_GRACE_MS, or ws's own 30 s close timeout.
 */
async function silentWebSocket(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('data', (data: Buffer) =>
      data.toString().startsWith('HTTP/1.1 101') ? resolve() : reject(new Error(data.toString())),
    );
  });
  socket.pause();
  return socket;
}

describe('npm start (the launcher)', { timeout: TIMEOUT_MS }, () => {
  it('runs the bundled relay beside the server, sharing a generated secret', async () => {
    const run = await launchReady();
    try {
      const generated = await run.launcher.waitForLog(isLauncher('secrets not set; generated for this run'));
      expect(generated.secrets).toEqual(['SESSION_SECRET', 'TURN_SECRET']);
      const servers = await iceServers(run.port);
      expect(servers.uris).toEqual([
        `turn:127.0.0.1:${run.turnPort}?transport=udp`,
        `turn:127.0.0.1:${run.turnPort}?transport=tcp`,
      ]);
      expect(await allocates(run.port, run.turnPort)).toBe(200);

      run.launcher.child.kill('SIGTERM');
      expect(await run.launcher.exited).toEqual({ code: 0, signal: null });
      expect(run.launcher.lines.filter(isLauncher('child stopped')).map((line) => [line.child, line.code])).toEqual(
        expect.arrayContaining([
          ['turn', 0],
          ['server', 0],
        ]),
      );
    } finally {
      await run.stop();
    }
  });

  it('restarts a relay killed by SIGKILL with backoff while the server keeps serving', async () => {
    const run = await launchReady({ LAUNCHER_RESTART_DELAY_MS: '200' });
    const { client } = await TestClient.joined(`ws://127.0.0.1:${run.port}/ws`, 'r');
    try {
      const from = run.launcher.lines.length;
      process.kill(run.relayPid, 'SIGKILL');
      const restarting = await run.launcher.waitForLog(isLauncher('child exited; restarting', 'turn'), 20_000, from);
      expect(restarting).toMatchObject({
        childPid: run.relayPid,
        code: null,
        signal: 'SIGKILL',
        restartInMs: 200,
        failures: 1,
      });

      // Signaling while the relay is down, and after it is back.
      client.send({ type: 'ice-servers' });
      expect((await client.next('ice-servers', 10_000)).iceServers.length).toBeGreaterThan(0);
      const relay = await run.launcher.waitForLog('TURN relay listening', 30_000, from);
      expect(relay.pid).not.toBe(run.relayPid);
      client.send({ type: 'ice-servers' });
      await client.next('ice-servers', 10_000);

      expect(client.socket.readyState).toBe(client.socket.OPEN);
      expect((await fetch(`http://127.0.0.1:${run.port}/healthz`)).status).toBe(200);
      expect(await allocates(run.port, run.turnPort)).toBe(200);
      expect(alive(run.serverPid)).toBe(true);
      expect(run.launcher.lines.filter(isLauncher('child exited; restarting', 'server'))).toEqual([]);
    } finally {
      client.close();
      await run.stop();
    }
  });

  it('restarts a server killed by SIGKILL while the relay keeps running, and clients resume their ids', async () => {
    const port = await freeTcpPort();
    const run = await launchReady({ PORT: String(port), LAUNCHER_RESTART_DELAY_MS: '200' });
    const { client, welcome } = await TestClient.joined(`ws://127.0.0.1:${port}/ws`, 'r');
    try {
      const from = run.launcher.lines.length;
      process.kill(run.serverPid, 'SIGKILL');
      expect((await client.closed).code).toBe(1006);
      const restarting = await run.launcher.waitForLog(isLauncher('child exited; restarting', 'server'), 20_000, from);
      expect(restarting).toMatchObject({ childPid: run.serverPid, signal: 'SIGKILL', restartInMs: 200 });
      const listening = await run.launcher.waitForLog(`Server listening at http://127.0.0.1:${port}`, 30_000, from);
      expect(listening.pid).not.toBe(run.serverPid);

      // The launcher's SESSION_SECRET outlived the server process, so the seat is kept.
      const again = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
      try {
        again.send({ type: 'join', room: 'r', resume: welcome.resume });
        expect(await again.next('welcome', 10_000)).toMatchObject({ id: welcome.id, resumed: true });
      } finally {
        again.close();
      }
      expect(alive(run.relayPid)).toBe(true);
      expect(run.launcher.lines.filter(isLauncher('child exited; restarting', 'turn'))).toEqual([]);
      expect(await allocates(port, run.turnPort)).toBe(200);
    } finally {
      client.close();
      await run.stop();
    }
  });

  it('gives up and stops the server when the relay fails at every start', async () => {
    const turnPort = await freeUdpPort();
    const holder = await holdTcpPort(turnPort);
    const run = launch(
      { LAUNCHER_RESTART_DELAY_MS: '10', LAUNCHER_RESTART_MAX_DELAY_MS: '20', LAUNCHER_MAX_RESTARTS: '3' },
      {},
      turnPort,
    );
    try {
      expect(await run.launcher.exited).toEqual({ code: 1, signal: null });
      const lines = run.launcher.lines;
      expect(lines.filter(isLauncher('child started', 'turn'))).toHaveLength(4);
      // Doubling from LAUNCHER_RESTART_DELAY_MS, held at LAUNCHER_RESTART_MAX_DELAY_MS.
      expect(lines.filter(isLauncher('child exited; restarting', 'turn')).map((line) => line.restartInMs)).toEqual([
        10, 20, 20,
      ]);
      expect(lines.find(isLauncher('child keeps failing; giving up', 'turn'))).toMatchObject({ code: 1, restarts: 3 });
      expect(lines.filter((line) => line.service === 'turn' && line.msg === 'could not listen')).toHaveLength(4);

      const server = lines.find(isLauncher('child started', 'server'));
      expect(lines.find(isLauncher('child stopped', 'server'))).toBeDefined();
      expect(alive(Number(server?.childPid))).toBe(false);
      const listening = lines.find((line) => String(line.msg).startsWith('Server listening at'));
      if (listening !== undefined) {
        await expect(fetch(`${String(listening.msg).replace('Server listening at ', '')}/healthz`)).rejects.toThrow();
      }
    } finally {
      await run.stop();
      holder.close();
    }
  });

  it('keeps restarting a relay that was stable once, however often it crashes', async () => {
    const run = await launchReady({
      LAUNCHER_RESTART_DELAY_MS: '10',
      LAUNCHER_MAX_RESTARTS: '0',
      LAUNCHER_STABLE_AFTER_MS: '3000',
    });
    try {
      await run.launcher.waitForLog(isLauncher('child stable', 'turn'));
      // Killed as soon as it is started, each time: quick failures, well inside the stable period.
      let from = run.launcher.lines.length;
      process.kill(run.relayPid, 'SIGKILL');
      for (let failures = 1; failures <= 3; failures++) {
        const restarting = await run.launcher.waitForLog(isLauncher('child exited; restarting', 'turn'), 20_000, from);
        expect(restarting).toMatchObject({ signal: 'SIGKILL', failures });
        const started = await run.launcher.waitForLog(isLauncher('child started', 'turn'), 20_000, from);
        from = run.launcher.lines.length;
        if (failures < 3) process.kill(Number(started.childPid), 'SIGKILL');
      }
      await run.launcher.waitForLog('TURN relay listening', 30_000, from);
      expect(run.launcher.lines.find(isLauncher('child keeps failing; giving up'))).toBeUndefined();
      expect(alive(run.serverPid)).toBe(true);
      expect(await allocates(run.port, run.turnPort)).toBe(200);
    } finally {
      await run.stop();
    }
  });

  it('a shutdown during a backoff wait exits 0 without restarting', async () => {
    const run = await launchReady({ LAUNCHER_RESTART_DELAY_MS: '600000', LAUNCHER_RESTART_MAX_DELAY_MS: '600000' });
    try {
      const from = run.launcher.lines.length;
      process.kill(run.relayPid, 'SIGKILL');
      await run.launcher.waitForLog(isLauncher('child exited; restarting', 'turn'), 20_000, from);
      run.launcher.child.kill('SIGTERM');
      // A pending ten-minute timer would keep the launcher alive past the test's timeout.
      expect(await run.launcher.exited).toEqual({ code: 0, signal: null });
      const after = run.launcher.lines.slice(from);
      expect(after.find(isLauncher('restart cancelled', 'turn'))).toBeDefined();
      expect(after.filter(isLauncher('child started'))).toEqual([]);
      expect(after.find(isLauncher('child stopped', 'server'))).toMatchObject({ code: 0 });
      expect(alive(run.serverPid)).toBe(false);
    } finally {
      await run.stop();
    }
  });

  it('a Ctrl-C to the whole terminal group stops each child once, gracefully', async () => {
    const run = await launchReady({ SHUTDOWN_GRACE_MS: '1000' }, { detached: true });
    const socket = await silentWebSocket(run.port);
    try {
      process.kill(-run.launcher.pid, 'SIGINT');
      expect(await run.launcher.exited).toEqual({ code: 0, signal: null });
      const server = run.launcher.lines.filter((line) => line.pid === run.serverPid);
      expect(server.filter((line) => line.msg === 'shutting down')).toHaveLength(1);
      expect(server.find((line) => line.msg === 'second signal; exiting now')).toBeUndefined();
      expect(server.find((line) => line.msg === 'stopped')).toBeDefined();
      expect(run.launcher.lines.filter(isLauncher('child stopped')).map((line) => line.code)).toEqual([0, 0]);
    } finally {
      socket.destroy();
      await run.stop();
    }
  });

  it('kills a child that does not stop within LAUNCHER_STOP_TIMEOUT_MS, and exits 1', async () => {
    // The server waits up to its grace period for a socket that never answers the close.
    const run = await launchReady({ SHUTDOWN_GRACE_MS: '60000', LAUNCHER_STOP_TIMEOUT_MS: '500' });
    const socket = await silentWebSocket(run.port);
    try {
      run.launcher.child.kill('SIGTERM');
      expect(await run.launcher.exited).toEqual({ code: 1, signal: null });
      const lines = run.launcher.lines;
      expect(lines.find(isLauncher('child did not stop in time; killing it', 'server'))).toMatchObject({
        childPid: run.serverPid,
        stopTimeoutMs: 500,
      });
      expect(lines.find(isLauncher('child stopped', 'server'))).toMatchObject({ signal: 'SIGKILL' });
      expect(lines.find(isLauncher('child stopped', 'turn'))).toMatchObject({ code: 0 });
      expect(alive(run.serverPid)).toBe(false);
    } finally {
      socket.destroy();
      await run.stop();
    }
  });

  it('reports configuration errors of both processes at once without starting either', async () => {
    const run = launch({
      PORT: 'http',
      TURN_MIN_PORT: '60000',
      TURN_MAX_PORT: '50000',
      LAUNCHER_MAX_RESTARTS: 'many',
      LAUNCHER_RESTART_DELAY_MS: '5000',
      LAUNCHER_RESTART_MAX_DELAY_MS: '1000',
    });
    try {
      expect(await run.launcher.exited).toEqual({ code: 1, signal: null });
      const stderr = run.launcher.stderr();
      expect(stderr).toContain(
        'invalid launcher configuration:\n' +
          '  - LAUNCHER_MAX_RESTARTS must be an integer from 0 to 1000, got "many"\n' +
          '  - LAUNCHER_RESTART_DELAY_MS must not be above LAUNCHER_RESTART_MAX_DELAY_MS',
      );
      expect(stderr).toContain('invalid configuration:\n  - PORT must be an integer from 0 to 65535, got "http"');
      expect(stderr).toContain('invalid TURN configuration:\n  - TURN_MIN_PORT must not be above TURN_MAX_PORT');
      expect(run.launcher.lines).toEqual([]);
    } finally {
      await run.stop();
    }
  });
});
