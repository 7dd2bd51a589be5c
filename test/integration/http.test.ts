import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';

let server: TestServer;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server.close();
});

describe('origins', () => {
  async function upgradeStatus(origin: string | undefined, host?: string): Promise<number> {
    const options = {
      ...(origin === undefined ? {} : { origin }),
      ...(host === undefined ? {} : { headers: { host } }),
    };
    return TestClient.connect(server.wsUrl, options).then(
      (client) => {
        clients.push(client);
        return 101;
      },
      (error: Error) => Number(/Unexpected server response: (\d+)/.exec(error.message)?.[1] ?? 0),
    );
  }

  it('refuses a foreign origin with 403 before the upgrade, by default', async () => {
    server = await startServer();
    expect(await upgradeStatus('https://evil.example')).toBe(403);
    expect(await metric(server.httpUrl, 'vc_signaling_upgrades_refused_total{reason="origin"}')).toBe(1);
  });

  it('accepts the same origin, and clients that send none', async () => {
    server = await startServer();
    expect(await upgradeStatus(server.httpUrl)).toBe(101);
    expect(await upgradeStatus(undefined)).toBe(101);
  });

  it('accepts exactly the origins in ALLOWED_ORIGINS', async () => {
    server = await startServer({ ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:3000' });
    expect(await upgradeStatus('https://app.example.com')).toBe(101);
    expect(await upgradeStatus('http://localhost:3000')).toBe(101);
    expect(await upgradeStatus('http://localhost:3001')).toBe(403);
    expect(await upgradeStatus('https://app.example.com.evil.example')).toBe(403);
  });

  it('accepts every origin with ALLOWED_ORIGINS=*', async () => {
    server = await startServer({ ALLOWED_ORIGINS: '*' });
    expect(await upgradeStatus('https://anywhere.example')).toBe(101);
  });

  it('refuses a DNS-rebinding page (Origin and Host both its own name), telling the operator to set PUBLIC_URL', async () => {
    server = await startServer();
    const rebound = { origin: 'http://attacker.example', host: 'attacker.example' };
    expect(await upgradeStatus(rebound.origin, rebound.host)).toBe(403);
    expect(await metric(server.httpUrl, 'vc_signaling_upgrades_refused_total{reason="host"}')).toBe(1);
    for (const headers of [rebound, { host: rebound.host }]) {
      const response = await server.app.inject({ method: 'GET', url: '/api/ice-servers', headers });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({
        code: 'VC_ERR_HOST_NOT_ALLOWED',
        message: expect.stringContaining('set PUBLIC_URL'),
      });
    }
  });

  it("accepts only PUBLIC_URL's origin as the same origin once it is set", async () => {
    server = await startServer({ PUBLIC_URL: 'https://calls.example.com' });
    expect(await upgradeStatus('https://calls.example.com', 'calls.example.com')).toBe(101);
    expect(await upgradeStatus('https://attacker.example', 'attacker.example')).toBe(403);
    expect(await upgradeStatus(server.httpUrl)).toBe(403);
    expect(await upgradeStatus(undefined, 'calls.example.com')).toBe(101);
  });

  it('says why in the 403 body', async () => {
    server = await startServer();
    const response = await server.app.inject({
      method: 'GET',
      url: '/ws',
      headers: { origin: 'https://evil.example', connection: 'upgrade', upgrade: 'websocket' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      code: 'VC_ERR_ORIGIN_NOT_ALLOWED',
      message: 'origin https://evil.example is not allowed; add it to ALLOWED_ORIGINS',
    });
  });
});

describe('HTTP endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    server = await startServer();
    expect((await server.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await server.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('answers a plain GET /ws with 426', async () => {
    server = await startServer();
    const response = await server.app.inject('/ws');
    expect(response.statusCode).toBe(426);
    expect(response.json().code).toBe('VC_ERR_UPGRADE_REQUIRED');
  });

  it('counts connections, rooms, peers, relayed frames and errors in /metrics', async () => {
    server = await startServer();
    const a = await TestClient.joined(server.wsUrl, 'm1');
    const b = await TestClient.joined(server.wsUrl, 'm1');
    const c = await TestClient.joined(server.wsUrl, 'm2');
    const idle = await TestClient.connect(server.wsUrl);
    clients.push(a.client, b.client, c.client, idle);
    a.client.send({ type: 'signal', to: b.welcome.id, data: { description: { type: 'offer', sdp: 'v=0' } } });
    a.client.send({ type: 'signal', to: b.welcome.id, data: { candidate: { candidate: '' } } });
    a.client.send({ type: 'signal', to: b.welcome.id, data: { candidate: { candidate: '' } } });
    await b.client.next('signal');
    await b.client.next('signal');
    await b.client.next('signal');
    idle.send('garbage');
    await idle.nextError();

    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(text).toContain('# TYPE vc_signaling_connections gauge');
    expect(await metric(server.httpUrl, 'vc_signaling_connections')).toBe(4);
    expect(await metric(server.httpUrl, 'vc_signaling_rooms')).toBe(2);
    expect(await metric(server.httpUrl, 'vc_signaling_peers')).toBe(3);
    expect(await metric(server.httpUrl, 'vc_signaling_frames_total{type="join"}')).toBe(3);
    expect(await metric(server.httpUrl, 'vc_signaling_frames_total{type="signal"}')).toBe(3);
    expect(await metric(server.httpUrl, 'vc_signaling_relayed_total{kind="description"}')).toBe(1);
    expect(await metric(server.httpUrl, 'vc_signaling_relayed_total{kind="candidate"}')).toBe(2);
    expect(await metric(server.httpUrl, 'vc_signaling_errors_total{code="bad-message"}')).toBe(1);
    expect(await metric(server.httpUrl, 'vc_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  async function webClient() {
    const dir = await mkdtemp(join(tmpdir(), 'vc-static-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>video call</title>');
    await writeFile(join(dir, 'room.html'), '<!doctype html><title>call page</title>');
    await writeFile(join(dir, 'video-call.js'), 'export {};');
    await writeFile(join(dir, 'video-call.js.br'), brotliCompressSync('export {};'));
    return dir;
  }

  it('serves the built web client from STATIC_DIR', async () => {
    server = await startServer({ STATIC_DIR: await webClient() });
    const page = await server.app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>video call</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
  });

  it('serves the element to any origin, with CORS and a short revalidated cache', async () => {
    server = await startServer({ STATIC_DIR: await webClient() });
    const script = await server.app.inject({ url: '/video-call.js', headers: { origin: 'https://elsewhere.example' } });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['access-control-allow-origin']).toBe('*');
    expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(script.headers['cache-control']).toMatch(/max-age=300/);
    expect(script.headers.etag).toBeDefined();
    const compressed = await server.app.inject({ url: '/video-call.js', headers: { 'accept-encoding': 'br' } });
    expect(compressed.headers['content-encoding']).toBe('br');
    expect(compressed.headers['access-control-allow-origin']).toBe('*');
    expect(compressed.headers.vary).toMatch(/accept-encoding/i);
  });

  it('serves the call page at /r/:room for valid room names only', async () => {
    server = await startServer({ STATIC_DIR: await webClient() });
    const page = await server.app.inject('/r/standup_2-b?token=secret');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>call page</title>');
    // Its script and socket requests must not carry the link's token on as a Referer.
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await server.app.inject('/r/bad%20room')).statusCode).toBe(400);
    expect((await server.app.inject(`/r/${'x'.repeat(65)}`)).statusCode).toBe(400);
  });

  it('serves the home page at / to browsers that accept compression, compressed', async () => {
    server = await startServer({ STATIC_DIR: 'web/dist' });
    for (const [accept, encoding] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['identity', undefined],
    ] as const) {
      const page = await server.app.inject({ url: '/', headers: { 'accept-encoding': accept } });
      expect(page.statusCode, accept).toBe(200);
      expect(page.headers['content-encoding'], accept).toBe(encoding);
      expect(page.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the ICE test page at /ice-test from the real build, loading nothing from other origins', async () => {
    server = await startServer({ STATIC_DIR: 'web/dist' });
    const page = await server.app.inject('/ice-test');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>ICE test');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const script = await server.app.inject('/ice-test.js');
    expect(script.statusCode).toBe(200);
    // Works on an offline LAN: no absolute URL in the page or its script.
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(script.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('warns at boot and serves nothing when STATIC_DIR does not exist', async () => {
    server = await startServer({ STATIC_DIR: '/nonexistent-static-dir' });
    expect((await server.app.inject('/')).statusCode).toBe(404);
    expect(server.logs.some((line) => line.includes('no web client in STATIC_DIR'))).toBe(true);
  });
});
