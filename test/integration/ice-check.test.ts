/**
 * `npm run ice-check` as an operator runs it (a real process), against our
 * relay and Debian's coturn with the same secret, through a running server's
 * /api/ice-servers (in ROOM_ACCESS=token mode with a room token) and with URLs
 * and a secret given directly; and the faults it must name with a non-zero
 * exit: a wrong secret, a dead relay, a missing or refused room token.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELAY_SECRET, startRelay, startTlsRelay, type TestRelay } from '../helpers/relay.js';
import { startCoturn, type Coturn } from '../helpers/coturn.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TOKEN_ENV, mintToken, signToken, seconds } from '../helpers/tokens.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function iceCheck(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/ice-check.ts', '--timeout', '2000', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

let relay: TestRelay;
let coturn: Coturn;

beforeAll(async () => {
  relay = await startTlsRelay();
  coturn = await startCoturn(RELAY_SECRET, 100);
});
afterAll(async () => {
  await relay?.close();
  await coturn?.close();
});

describe('npm run ice-check', () => {
  it('checks every URL a server hands out, relaying pings through our relay over UDP and TCP', async () => {
    const server = await startServer({
      LOG_LEVEL: 'warn',
      STUN_URLS: `stun:127.0.0.1:${relay.ports.udp}`,
      TURN_URLS: `turn:{host}:${relay.ports.udp}?transport=udp,turn:{host}:${relay.ports.tcp}?transport=tcp`,
      TURN_SECRET: RELAY_SECRET,
    });
    try {
      const run = await iceCheck([server.httpUrl]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`from ${server.httpUrl}/api/ice-servers, credentials valid 600 s`);
      expect(run.stdout).toMatch(new RegExp(`OK +stun:127\\.0\\.0\\.1:${relay.ports.udp} +STUN OK`));
      expect(run.stdout).toMatch(
        /OK +turn:127\.0\.0\.1:\d+\?transport=udp +relay OK over UDP \(relay 127\.0\.0\.2:\d+; .*10\/10 back/,
      );
      expect(run.stdout).toMatch(/OK +turn:127\.0\.0\.1:\d+\?transport=tcp +relay OK over TCP/);
      expect(run.stdout).toContain('All 3 URL(s) work.');
    } finally {
      await server.close();
    }
  });

  it('checks TURN over TLS, trusting the relay certificate given with --ca', async () => {
    const run = await iceCheck(
      ['--url', `turns:localhost:${relay.ports.tls}?transport=tcp`, '--ca', relay.config.tlsCert!, '--json'],
      { TURN_SECRET: RELAY_SECRET },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.results[0]).toMatchObject({
      transport: 'TLS',
      verdict: { level: 'ok', text: 'relay OK over TLS' },
      rtt: { received: 10, sent: 10 },
    });
  });

  it('refuses a certificate it cannot trust, and says so', async () => {
    const run = await iceCheck(['--url', `turns:localhost:${relay.ports.tls}?transport=tcp`], {
      TURN_SECRET: RELAY_SECRET,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL +turns:localhost:\d+\?transport=tcp +TLS failed/);
  });

  it("succeeds against Debian's coturn with the same secret", async () => {
    const run = await iceCheck(
      ['--url', `turn:127.0.0.1:${coturn.port}?transport=udp`, '--url', `turn:127.0.0.1:${coturn.port}?transport=tcp`],
      {
        TURN_SECRET: RELAY_SECRET,
      },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const relayed =
      /OK +turn:127\.0\.0\.1:\d+\?transport=udp +relay OK over UDP \(relay 127\.0\.0\.1:(\d+); .*10\/10 back/.exec(
        run.stdout,
      );
    expect(relayed, run.stdout).not.toBeNull();
    expect(Number(relayed?.[1])).toBeGreaterThanOrEqual(coturn.relayPorts.min);
    expect(Number(relayed?.[1])).toBeLessThanOrEqual(coturn.relayPorts.max);
    expect(run.stdout).toMatch(/OK +turn:127\.0\.0\.1:\d+\?transport=tcp +relay OK over TCP/);
  });

  it('exits 1 and names the 401 when the secret is wrong, for our relay and for coturn', async () => {
    for (const port of [relay.ports.udp, coturn.port]) {
      const run = await iceCheck([
        '--url',
        `turn:127.0.0.1:${port}?transport=udp`,
        '--secret',
        'a-wrong-secret-0123456789',
      ]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL +turn:127\.0\.0\.1:\d+\?transport=udp +auth failed \(401\) \(Allocate → 401/);
      expect(run.stdout).toContain('TURN_SECRET');
    }
  });

  it('exits 1 and says not reachable, with the port to open, when nothing answers', async () => {
    const dead = await startRelay({}, { relayPortCount: 10 });
    await dead.close();
    const run = await iceCheck(
      [
        '--url',
        `turn:127.0.0.1:${dead.ports.udp}?transport=udp`,
        '--url',
        `turn:127.0.0.1:${dead.ports.tcp}?transport=tcp`,
      ],
      {
        TURN_SECRET: RELAY_SECRET,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL +turn:\S+transport=udp +not reachable/);
    expect(run.stdout).toContain(`Open UDP ${dead.ports.udp}`);
    expect(run.stdout).toMatch(/FAIL +turn:\S+transport=tcp +not reachable\n.*ECONNREFUSED/);
  });

  it('exits 2 with the usage when it has nothing to check', async () => {
    const run = await iceCheck([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage:');
  });

  it('exits 1 when the server hands out no TURN URL, since calls behind symmetric NAT would fail', async () => {
    const server = await startServer({ LOG_LEVEL: 'warn', STUN_URLS: `stun:127.0.0.1:${relay.ports.udp}` });
    try {
      const run = await iceCheck([server.httpUrl]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('no TURN URL is configured');
    } finally {
      await server.close();
    }
  });
});

describe('npm run ice-check against a server with ROOM_ACCESS=token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      ...TOKEN_ENV,
      LOG_LEVEL: 'warn',
      STUN_URLS: `stun:127.0.0.1:${relay.ports.udp}`,
      TURN_URLS: `turn:{host}:${relay.ports.udp}?transport=udp`,
      TURN_SECRET: RELAY_SECRET,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('checks the URLs the server hands out with a room token given as --token', async () => {
    const token = await mintToken({ room: 'any-room' });
    const run = await iceCheck([server.httpUrl, '--token', token]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/OK +turn:127\.0\.0\.1:\d+\?transport=udp +relay OK over UDP/);
    expect(run.stdout).toContain('All 2 URL(s) work.');
  });

  it('takes the room token from ICE_CHECK_TOKEN too', async () => {
    const run = await iceCheck([server.httpUrl], { ICE_CHECK_TOKEN: await mintToken({ room: 'team-*' }) });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('All 2 URL(s) work.');
  });

  it('without a token, exits 2 naming the 401, its reason and how to pass a token', async () => {
    const run = await iceCheck([server.httpUrl]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${server.httpUrl}/api/ice-servers answered 401 Unauthorized`);
    expect(run.stderr).toContain('reason: missing');
    expect(run.stderr).toMatch(/ROOM_ACCESS=token: pass a room token .* with --token or ICE_CHECK_TOKEN/);
  });

  it.each([
    [
      'bad-signature',
      () => signToken({ room: 'r', exp: seconds() + 600 }, { secret: 'another-secret-0123456789abcdef!' }),
    ],
    ['expired', () => signToken({ room: 'r', iat: seconds() - 7200, exp: seconds() - 3600 })],
    ['malformed', () => Promise.resolve('not-a-jwt')],
  ])('with a refused token, exits 2 naming the reason (%s) and never printing the token', async (reason, make) => {
    const token = await make();
    const run = await iceCheck([server.httpUrl, '--token', token]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('answered 401 Unauthorized');
    expect(run.stderr).toContain(`reason: ${reason}`);
    expect(run.stderr).toContain('The server refused this room token');
    expect(run.stderr).not.toContain(token);
  });

  it('refuses --token with --url, where the secret makes the credentials', async () => {
    const run = await iceCheck(['--url', `turn:127.0.0.1:${relay.ports.udp}`, '--token', 'x'], {
      TURN_SECRET: RELAY_SECRET,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--token is for a server URL');
  });
});
