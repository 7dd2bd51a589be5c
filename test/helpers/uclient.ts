/**
 * coturn's test client turnutils_uclient (Debian's `coturn` package) run
 * against a relay through a turnutils_peer echo server, with REST
 * credentials from the shared secret: 5 clients × 200 messages, moderate pace.
 */
import { spawn } from 'node:child_process';

export const UCLIENT = '/usr/bin/turnutils_uclient';
export const PEER = '/usr/bin/turnutils_peer';

export interface UclientRun {
  code: number | null;
  /** From uclient's "Total lost packets N"; NaN when it never got that far. */
  lost: number;
  output: string;
}

export interface UclientTarget {
  port: number;
  secret: string;
  /** A user per run: uclient leaves its allocations to expire, and each user has a quota. */
  user: string;
  peerPort: number;
  /** The relay's and the peer's address: 127.0.0.1 unless given (::1 for IPv6). */
  host?: string;
  peerHost?: string;
}

export function runUclient(
  flags: string[],
  { port, secret, user, peerPort, host = '127.0.0.1', peerHost = host }: UclientTarget,
): Promise<UclientRun> {
  const args = [
    ...flags,
    '-p',
    String(port),
    '-W',
    secret,
    '-u',
    user,
    '-e',
    peerHost,
    '-r',
    String(peerPort),
    '-n',
    '200',
    '-m',
    '5',
    '-l',
    '180',
    '-z',
    '5',
    host,
  ];
  return new Promise((resolve) => {
    const child = spawn(UCLIENT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const match = /Total lost packets (\d+)/.exec(output);
      resolve({ code, lost: match === null ? Number.NaN : Number(match[1]), output });
    });
  });
}
