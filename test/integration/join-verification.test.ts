/**
 * The join handler waits for the access check, which may fail or outlive its
 * socket. The signaling plugin runs on a real server and real sockets here,
 * with a RoomAccess whose answers the test hands out, so that each moment can
 * be reached on purpose: a check that rejects costs only its socket (1011),
 * and a socket that closes during its check takes no seat when it ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import metrics from '../../server/plugins/metrics.js';
import signaling from '../../server/plugins/signaling.js';
import { loadConfig } from '../../server/config.js';
import { createIceServers } from '../../server/ice-servers.js';
import { createSharedState } from '../../server/shared-state.js';
import { Registry } from 'prom-client';
import pino from 'pino';

const silent = pino({ level: 'silent' });
import { Refusals } from '../../server/refusals.js';
import type { AccessVerdict, RoomAccess } from '../../server/access/types.js';
import { CloseCode } from '../../protocol/close-codes.js';
import { TestClient } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';

const GUEST: AccessVerdict = { ok: true, grant: { role: 'guest', user: undefined, name: undefined, lobby: false } };

/** A RoomAccess that answers each join when the test says so. */
class HeldAccess implements RoomAccess {
  readonly mode = 'token' as const;
  private readonly pending: Array<{ resolve: (verdict: AccessVerdict) => void; reject: (error: Error) => void }> = [];
  private readonly waiters: Array<() => void> = [];

  join(): Promise<AccessVerdict> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  bearer(): Promise<AccessVerdict> {
    return Promise.resolve(GUEST);
  }

  /** The oldest join still waiting for its answer, once there is one (within 3 s). */
  async held() {
    if (this.pending.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no join reached the access check')), 3000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no join reached the access check');
    return next;
  }
}

let app: FastifyInstance;
let access: HeldAccess;
let httpUrl: string;
let wsUrl: string;
const clients: TestClient[] = [];

async function start(): Promise<void> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', STATIC_DIR: '/nonexistent-static-dir' });
  access = new HeldAccess();
  app = Fastify({ logger: false });
  await app.register(metrics);
  await app.register(signaling, {
    config,
    access,
    iceServers: createIceServers(config),
    shared: createSharedState(config, silent, new Registry(), 'join-verification-secret'),
    refusals: new Refusals(),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  httpUrl = address;
  wsUrl = `${address.replace('http', 'ws')}/ws`;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await app.close();
});

async function joining(room: string): Promise<TestClient> {
  const client = await TestClient.joining(wsUrl, { room, token: 'opaque' });
  clients.push(client);
  return client;
}

describe('a join waiting for its access check', () => {
  it('costs only its own socket when the check rejects (1011), and the server goes on', async () => {
    await start();
    const failing = await joining('standup');
    (await access.held()).reject(new Error('key store unreachable'));
    expect((await failing.closed).code).toBe(CloseCode.InternalError);
    const next = await joining('standup');
    (await access.held()).resolve(GUEST);
    expect(await next.next('welcome')).toMatchObject({ room: 'standup', peers: [] });
  });

  it('refuses a second join while the first is being checked (already-joined), then seats the first', async () => {
    await start();
    const client = await joining('standup');
    const check = await access.held();
    client.send({ type: 'join', room: 'standup', token: 'opaque' });
    expect(await client.nextError()).toMatchObject({
      code: 'already-joined',
      message: expect.stringContaining('checked'),
    });
    check.resolve(GUEST);
    expect(await client.next('welcome')).toMatchObject({ room: 'standup' });
    await client.expectNothingPending();
    expect(await metric(httpUrl, 'vc_signaling_peers')).toBe(1);
  });

  it('takes no seat when its socket closed before the check answered', async () => {
    await start();
    const gone = await joining('standup');
    const check = await access.held();
    gone.close();
    // The server answers a close frame as it reads it, so by now it knows the socket is closing.
    await gone.closed;
    check.resolve(GUEST);
    const next = await joining('standup');
    (await access.held()).resolve(GUEST);
    expect(await next.next('welcome')).toMatchObject({ peers: [] });
    expect(await metric(httpUrl, 'vc_signaling_peers')).toBe(1);
  });
});
