/**
 * Issue 11, finding 10b: DNS rebinding. A page on attacker.example whose
 * name now points at the server sends Origin and Host both its own (or no
 * Origin, on a same-origin GET). Without PUBLIC_URL (`npm start` on
 * localhost) such a Host is never believed; with it, only PUBLIC_URL and
 * ALLOWED_ORIGINS are. 250 tries at each get 403 on /ws and on
 * /api/ice-servers, the same-origin page keeps working, and afterwards the
 * process is up, back near its start, and its log stayed short.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../helpers/process.js';
import { controlPair } from '../helpers/control-pair.js';
import { TestClient } from '../helpers/client.js';

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const REBOUND = { origin: 'http://attacker.example', host: 'attacker.example' };
const TRIES = 250;

/** The status of an upgrade with these headers: 101, or what it was refused with. */
async function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  const { origin, ...rest } = headers;
  return TestClient.connect(url, { ...(origin === undefined ? {} : { origin }), headers: rest }).then(
    (client) => {
      client.terminate();
      return 101;
    },
    (error: Error) => Number(/Unexpected server response: (\d+)/.exec(error.message)?.[1] ?? 0),
  );
}

/** GET /api/ice-servers with a Host of our choosing (fetch will not send one), over a raw request. */
function iceServers(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/ice-servers', headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a rebound page', () => {
  for (const [label, env] of [
    ['without PUBLIC_URL (npm start)', {}],
    ['with PUBLIC_URL', { PUBLIC_URL: 'https://calls.example.com' }],
  ] as const) {
    it(`is refused on /ws and /api/ice-servers ${label}, while the real site works`, async () => {
      server = await ServerProcess.start(
        { ...env, TURN_URLS: 'turn:{host}:3478', TURN_SECRET: 'rebinding-test-secret' },
        { inspect: true },
      );
      const control = await controlPair(server.wsUrl, { localAddress: '127.0.0.2' });
      const before = await server.snapshot();

      for (let i = 0; i < TRIES; i++) {
        expect(await upgrade(server.wsUrl, REBOUND)).toBe(403);
        expect(await iceServers(server.port, { host: REBOUND.host })).toBe(403);
      }
      expect(await server.metric('vc_signaling_upgrades_refused_total{reason="host"}')).toBe(TRIES);

      const site =
        'PUBLIC_URL' in env
          ? { origin: env.PUBLIC_URL, host: 'calls.example.com' }
          : { origin: server.httpUrl, host: `127.0.0.1:${server.port}` };
      expect(await upgrade(server.wsUrl, site)).toBe(101);
      expect(await iceServers(server.port, site)).toBe(200);
      await control.assertUnaffected();
      control.close();
      // The first refused request and the refusal; the rest are counted in /metrics, not logged.
      await server.expectRecovered(before, { logLines: 8 });
    });
  }
});
