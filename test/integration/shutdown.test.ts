import { describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { startServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { runMain, startMain } from '../helpers/process.js';

describe('graceful shutdown', () => {
  it('tells every peer server-shutdown and closes with 1001', async () => {
    const server = await startServer();
    const a = await TestClient.joined(server.wsUrl, 'call');
    const b = await TestClient.joined(server.wsUrl, 'call');
    const idle = await TestClient.connect(server.wsUrl);
    await server.close();
    for (const client of [a.client, b.client, idle]) {
      expect(await client.nextError()).toMatchObject({ code: 'server-shutdown' });
      expect((await client.closed).code).toBe(1001);
    }
  });

  it('reports not-ready while it waits for sockets to close, and cuts them at the grace deadline', async () => {
    const server = await startServer({ SHUTDOWN_GRACE_MS: '1000' });
    const stuck = await TestClient.connect(server.wsUrl);
    // A client that stops reading never completes the closing handshake.
    stuck.socket.pause();
    const closing = server.close();
    const ready = await fetch(`${server.httpUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'shutting-down' });
    // A client reconnecting during the drain is refused with a reason, and its socket does not hold up close().
    const refused = await TestClient.connect(server.wsUrl).then(
      () => 'accepted',
      (error: Error) => error.message,
    );
    expect(refused).toContain('503');
    // close() resolves although the client never answered: the grace deadline cut it.
    await closing;
    stuck.socket.resume();
    await stuck.closed;
    expect(stuck.socket.readyState).toBe(stuck.socket.CLOSED);
  });

  it('finishes a request that is in flight when shutdown begins', async () => {
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', STATIC_DIR: '/nonexistent-static-dir' }));
    let started!: () => void;
    const inHandler = new Promise<void>((resolve) => (started = resolve));
    app.get('/slow', async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { done: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const response = fetch(`http://127.0.0.1:${address.port}/slow`).then((r) => r.json());
    await inHandler;
    await app.close();
    expect(await response).toEqual({ done: true });
  });

  it('exits 0 on SIGTERM after telling its peers', async () => {
    const server = await startMain();
    const { client } = await TestClient.joined(`ws://127.0.0.1:${server.port}/ws`, 'call');
    server.child.kill('SIGTERM');
    expect(await client.nextError()).toMatchObject({ code: 'server-shutdown' });
    expect((await client.closed).code).toBe(1001);
    const { code, signal } = await server.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(server.process.lines.some((line) => line.msg === 'stopped')).toBe(true);
  });

  it('exits 0 on SIGINT', async () => {
    const server = await startMain();
    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(0);
  });

  it('refuses to start with bad configuration, naming every bad variable, exit 1', async () => {
    const run = runMain({ PORT: 'http', ROOM_CAPACITY: '99', ALLOWED_ORIGINS: 'example.com' });
    const { code } = await run.exited;
    const stderr = run.stderr();
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
    expect(stderr).toContain('ROOM_CAPACITY');
    expect(stderr).toContain('ALLOWED_ORIGINS');
  });
});
