/**
 * The two relays under test, each a child process on 127.0.0.1 with limits
 * opened up so neither throttles, quota-checks or refuses the bench's
 * loopback peer: our relay (turn/main.ts) and Debian's coturn with the
 * shipped infra/coturn/turnserver.conf.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { output, start, type Child } from '../lib/children.js';
import { REPO_ROOT } from '../lib/paths.js';
import { freeUdpPort, waitForStun } from './net.js';

export type ServerName = 'ours' | 'coturn';

export const TURNSERVER = '/usr/bin/turnserver';
const COTURN_CONFIG = join(REPO_ROOT, 'infra/coturn/turnserver.conf');
/**
 * Where our relay is compiled to, as `npm run build` compiles it for `npm run turn`. Under node_modules
 * so that the relay's own imports (pino, prom-client) resolve as they do from dist/.
 */
export const OUR_BUILD_DIR = join(REPO_ROOT, 'node_modules/.cache/bench-turn-relay');

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

/**
 * Compiles turn/ (and what it imports) with the project's tsconfig, into a directory of its own: the
 * relay measured is the JavaScript tsc emits, which is what `npm run turn` runs, not tsx's transform of
 * it (tsx keeps function names by wrapping every closure it creates in an Object.defineProperty call,
 * and loads through a loader thread, neither of which production has). Fails on a type error.
 */
export function buildOurs(): string {
  mkdirSync(OUR_BUILD_DIR, { recursive: true });
  writeFileSync(join(OUR_BUILD_DIR, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(OUR_BUILD_DIR, 'tsconfig.json'),
    `${JSON.stringify(
      {
        extends: join(REPO_ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: false, sourceMap: false, rootDir: REPO_ROOT, outDir: OUR_BUILD_DIR },
        include: [join(REPO_ROOT, 'turn')],
      },
      null,
      2,
    )}\n`,
  );
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(OUR_BUILD_DIR, 'tsconfig.json')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
  } catch (error) {
    const { stdout } = error as { stdout?: string };
    throw new Error(`tsc could not compile turn/ for the bench:\n${stdout ?? (error as Error).message}`, {
      cause: error,
    });
  }
  return join(OUR_BUILD_DIR, 'turn/main.js');
}

async function startOurs(secret: string): Promise<RunningServer> {
  const main = buildOurs();
  const port = await freeUdpPort();
  const child = start(
    'our relay',
    process.execPath,
    [main],
    {
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
    },
    REPO_ROOT,
  );
  return ready('ours', child, port, '127.0.0.2', async () => undefined);
}

async function startCoturn(secret: string): Promise<RunningServer> {
  if (!existsSync(TURNSERVER))
    throw new Error(`${TURNSERVER} is missing: install Debian's coturn package (apt-get install coturn)`);
  const dir = await mkdtemp(join(tmpdir(), 'bench-coturn-'));
  // coturn takes peer rules only from a config file, so the loopback exemption goes into a copy of the shipped one.
  const config = join(dir, 'turnserver.conf');
  await writeFile(
    config,
    `${await readFile(COTURN_CONFIG, 'utf8')}\n# bench lab only\nallow-loopback-peers\nallowed-peer-ip=127.0.0.1\n`,
  );
  const port = await freeUdpPort();
  const { min, max } = RELAY_PORTS.coturn;
  const child = start('coturn', TURNSERVER, [
    '-c',
    config,
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

async function ready(
  name: ServerName,
  child: Child,
  port: number,
  relayAddress: string,
  cleanup: () => Promise<void>,
): Promise<RunningServer> {
  const stop = async () => {
    await child.stop();
    await cleanup();
  };
  try {
    await waitForStun(port, START_TIMEOUT_MS, () => child.running());
  } catch (error) {
    await stop();
    throw new Error(`${name} did not start: ${(error as Error).message}\n${output(child).slice(-2000)}`, {
      cause: error,
    });
  }
  return { name, pid: child.pid, port, relayAddress, child, stop };
}
