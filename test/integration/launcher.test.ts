/**
 * `npm start` with nothing configured: the signaling server and the bundled
 * relay as two processes sharing a secret generated at start, so a fresh
 * checkout has working TURN; either one dying takes the other down visibly.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { freeUdpPort } from '../helpers/ports.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function launch() {
  const turnPort = await freeUdpPort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'launcher/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      STATIC_DIR: '/nonexistent-static-dir',
      TURN_PORT: String(turnPort),
      TURN_LISTEN_HOST: '127.0.0.1',
      TURN_RELAY_ADDRESS: '127.0.0.1',
      TURN_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  const find = (msg: string) => lines.find((line) => String(line.msg).startsWith(msg));
  while (!(find('Server listening at http://127.0.0.1') && find('TURN relay listening'))) {
    if (Date.now() > deadline) throw new Error(`did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = Number(/:(\d+)$/.exec(String(find('Server listening at http://127.0.0.1')?.msg))?.[1]);
  const relayPid = Number(find('TURN relay listening')?.pid);
  /** SIGTERM (which the launcher passes on), and SIGKILL only if that is ignored, so no child is orphaned. */
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, port, turnPort, relayPid, stop, stderr: () => stderr };
}

describe('npm start (the launcher)', () => {
  it('runs the bundled relay beside the server, sharing a generated secret', async () => {
    const run = await launch();
    try {
      expect(run.stderr()).toContain('TURN_SECRET not set; generated one');
      const servers = (await (await fetch(`http://127.0.0.1:${run.port}/api/ice-servers`)).json()) as {
        username: string;
        password: string;
        uris: string[];
      };
      expect(servers.uris).toEqual([`turn:127.0.0.1:${run.turnPort}?transport=udp`, `turn:127.0.0.1:${run.turnPort}?transport=tcp`]);
      const client = await TurnTestClient.open({ address: '127.0.0.1', port: run.turnPort }, servers);
      try {
        expect(errorCode(await client.allocate())).toBe(200);
      } finally {
        client.close();
      }
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      await run.stop();
    }
  });

  it('stops the server and exits non-zero when the relay dies', async () => {
    const run = await launch();
    try {
      process.kill(run.relayPid, 'SIGKILL');
      expect(await run.exited).not.toBe(0);
      expect(run.stderr()).toContain('turn exited');
      await expect(fetch(`http://127.0.0.1:${run.port}/healthz`)).rejects.toThrow();
    } finally {
      await run.stop();
    }
  });
});
