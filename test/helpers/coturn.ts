/**
 * Debian's coturn, started with infra/coturn/turnserver.conf and only the
 * overrides a loopback test needs (ports, addresses, a throwaway
 * certificate, loopback peers allowed), so the tests exercise the shipped
 * configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testCertificate } from './certificate.js';
import { freeUdpPort, portWindow } from './ports.js';
import { Method } from '../../turn/codec/constants.js';
import { TurnTestClient } from './turn-client.js';

const TURNSERVER = '/usr/bin/turnserver';
const CONFIG = fileURLToPath(new URL('../../infra/coturn/turnserver.conf', import.meta.url));

export interface Coturn {
  port: number;
  tlsPort: number;
  relayPorts: { min: number; max: number };
  close(): Promise<void>;
}

/** coturn cannot listen on port 0 and say where: its ports and relay window come from the allocator (ports.ts). */
export async function startCoturn(secret: string, relayPortCount = 100): Promise<Coturn> {
  if (!existsSync(TURNSERVER))
    throw new Error(`${TURNSERVER} is missing: install Debian's coturn package (apt-get install coturn)`);
  const { cert, key, dir } = await testCertificate();
  // coturn lets a config file's peer rules win over the command line, so the
  // loopback exemption goes into a copy of the shipped file, after it.
  const config = join(dir, 'turnserver.conf');
  await writeFile(
    config,
    `${await readFile(CONFIG, 'utf8')}\n# test lab only\nallow-loopback-peers\nallowed-peer-ip=127.0.0.1\n`,
  );
  const port = await freeUdpPort();
  const tlsPort = await freeUdpPort();
  const relayPorts = await portWindow(relayPortCount);
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      '-c',
      config,
      `--static-auth-secret=${secret}`,
      `--listening-port=${port}`,
      `--tls-listening-port=${tlsPort}`,
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--min-port=${relayPorts.min}`,
      `--max-port=${relayPorts.max}`,
      `--cert=${cert}`,
      `--pkey=${key}`,
      `--userdb=${join(dir, 'turndb')}`,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      '--no-dtls',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    child.kill('SIGTERM');
    await exited;
    relayPorts.release();
  };
  await waitUntilAnswering(port).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return { port, tlsPort, relayPorts: { min: relayPorts.min, max: relayPorts.max }, close };
}

async function waitUntilAnswering(port: number): Promise<void> {
  const probe = await TurnTestClient.open({ address: '127.0.0.1', port }, { username: '', password: '' });
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const answered = await probe
        .request(Method.Binding, (b) => b, false)
        .then(
          () => true,
          () => false,
        );
      if (answered) return;
    }
    throw new Error('coturn did not start');
  } finally {
    probe.close();
  }
}
