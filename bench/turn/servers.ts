/**
 * The two relays under test, each a child process on 127.0.0.1 with limits
 * opened up so neither throttles, quota-checks or refuses the bench's
 * loopback peer: our relay (turn/main.ts) and Debian's coturn with the
 * shipped infra/coturn/turnserver.conf.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { output, start, type Child } from './children.js';
import { freeUdpPort, waitForStun } from './net.js';

export type ServerName = 'ours' | 'coturn';

export const TURNSERVER = '/usr/bin/turnserver';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COTURN_CONFIG = join(REPO_ROOT, 'infra/coturn/turnserver.conf');

/** Relay port ranges of their own, apart from the ranges the test suites use (42000–44999). */
export const RELAY_PORTS: Record<ServerName, { min: number; max: number }> = {
  ours: { min: 45000, max: 45499 },
  coturn: { min: 45500, max: 45999 },
};

/** 1 Gbit/s in bytes: far above what loopback uclient runs send, so the per-allocation limit never drops a packet. */
const UNTHROTTLED_BYTES_PER_SECOND = 125_000_000;
const START_TIMEOUT_MS = 15_000;

export interface RunningServer {
  name: ServerName;
  pid: number;
  port: number;
  /** Where its relayed sockets live, to tell them apart in /proc/net/udp. */
  relayAddress: string;
  child: Child;
  stop(): Promise<void>;
}

export function startServer(name: ServerName, secret: string): Promise<RunningServer> {
  return name === 'ours' ? startOurs(secret) : startCoturn(secret);
}

async function startOurs(secret: string): Promise<RunningServer> {
  const port = await freeUdpPort();
  const child = start('our relay', process.execPath, ['--import', 'tsx', 'turn/main.ts'], {
    PATH: process.env.PATH ?? '',
    TURN_SECRET: secret,
    TURN_LISTEN_HOST: '127.0.0.1',
    TURN_PORT: String(port),
    // 127.0.0.2 keeps relayed sockets off the peer's address, as in the tests.
    TURN_RELAY_ADDRESS: '127.0.0.2',
    TURN_ALLOWED_PEERS: '127.0.0.1/32',
    // Port 0: the OS picks a free one, so two benches never collide on the metrics port.
    TURN_METRICS_PORT: '0',
    TURN_MIN_PORT: String(RELAY_PORTS.ours.min),
    TURN_MAX_PORT: String(RELAY_PORTS.ours.max),
    TURN_MAX_ALLOCATIONS_PER_USER: '1000',
    TURN_BANDWIDTH_BYTES_PER_SECOND: String(UNTHROTTLED_BYTES_PER_SECOND),
    LOG_LEVEL: 'warn',
  }, REPO_ROOT);
  return ready('ours', child, port, '127.0.0.2', async () => undefined);
}

async function startCoturn(secret: string): Promise<RunningServer> {
  if (!existsSync(TURNSERVER)) throw new Error(`${TURNSERVER} is missing: install Debian's coturn package (apt-get install coturn)`);
  const dir = await mkdtemp(join(tmpdir(), 'bench-coturn-'));
  // coturn takes peer rules only from a config file, so the loopback exemption goes into a copy of the shipped one.
  const config = join(dir, 'turnserver.conf');
  await writeFile(config, `${await readFile(COTURN_CONFIG, 'utf8')}\n# bench lab only\nallow-loopback-peers\nallowed-peer-ip=127.0.0.1\n`);
  const port = await freeUdpPort();
  const { min, max } = RELAY_PORTS.coturn;
  const child = start('coturn', TURNSERVER, [
    '-c', config,
    `--static-auth-secret=${secret}`,
    `--listening-port=${port}`,
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--min-port=${min}`,
    `--max-port=${max}`,
    `--userdb=${join(dir, 'turndb')}`,
    `--pidfile=${join(dir, 'turnserver.pid')}`,
    '--no-dtls',
    '--no-tls',
    // The shipped file caps each allocation at 1.25 MB/s and each user at 10 allocations; the bench must hit neither.
    '--max-bps=0',
    '--user-quota=0',
    '--total-quota=0',
  ]);
  return ready('coturn', child, port, '127.0.0.1', () => rm(dir, { recursive: true, force: true }));
}

async function ready(name: ServerName, child: Child, port: number, relayAddress: string, cleanup: () => Promise<void>): Promise<RunningServer> {
  const stop = async () => {
    await child.stop();
    await cleanup();
  };
  try {
    await waitForStun(port, START_TIMEOUT_MS, () => child.running());
  } catch (error) {
    await stop();
    throw new Error(`${name} did not start: ${(error as Error).message}\n${output(child).slice(-2000)}`);
  }
  return { name, pid: child.pid, port, relayAddress, child, stop };
}
