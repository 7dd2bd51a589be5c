/**
 * Issue 11, finding 10a: resume tokens used as reusable bearer tokens. An
 * old token replayed after its owner came back, the latest one replayed
 * twice at once, a token for a room its peer has left, and the ids of a
 * hundred sockets churned past MAX_RESUMABLE_PEERS: none takes a seat that
 * is not its own or puts an id in two rooms. A restart (SESSION_SECRET set)
 * honours a token from before it once. Afterwards the process is up, its
 * descriptors and heap are back near the start, and its log stayed short.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../helpers/process.js';
import { controlPair } from '../helpers/control-pair.js';
import { TestClient } from '../helpers/client.js';

let server: ServerProcess | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server?.stop();
  server = undefined;
});

const SECRET = { SESSION_SECRET: 'abuse-resume-secret-0123456789abcdef' };

async function joinWith(url: string, room: string, resume: string, localAddress = '127.0.0.1') {
  const client = await TestClient.connect(url, { localAddress });
  clients.push(client);
  client.send({ type: 'join', room, resume });
  return client;
}

describe('resume tokens under attack', () => {
  it('take no seat but their own, once, and never put one id in two rooms', async () => {
    server = await ServerProcess.start({ ...SECRET, MAX_RESUMABLE_PEERS: '50' }, { inspect: true });
    const control = await controlPair(server.wsUrl, { localAddress: '127.0.0.2' });
    const before = await server.snapshot();

    const owner = await TestClient.joined(server.wsUrl, 'call', 'owner', { localAddress: '127.0.0.3' });
    const mate = await TestClient.joined(server.wsUrl, 'call', 'mate', { localAddress: '127.0.0.3' });
    clients.push(owner.client, mate.client);
    await owner.client.next('peer-joined');

    // The owner reconnects (its network dropped): its token is spent, a new one issued.
    const back = await joinWith(server.wsUrl, 'call', owner.welcome.resume, '127.0.0.3');
    const resumed = await back.next('welcome');
    expect(resumed).toMatchObject({ id: owner.welcome.id, resumed: true });

    // A thief replays the old token: no seat (the room is full), and the owner keeps its own.
    const thief = await joinWith(server.wsUrl, 'call', owner.welcome.resume);
    expect(await thief.nextError()).toMatchObject({ code: 'room-full' });
    // The latest token replayed twice at once (the owner's and a copy): one resumes, the other does not.
    const twins = [
      await joinWith(server.wsUrl, 'call', resumed.resume),
      await joinWith(server.wsUrl, 'call', resumed.resume),
    ];
    const [first, second] = [await twins[0]!.next(), await twins[1]!.next()];
    expect(first).toMatchObject({ type: 'welcome', id: owner.welcome.id, resumed: true });
    expect(second).toMatchObject({ type: 'error', code: 'room-full' });
    await mate.client.expectNothingPending();

    // The id moves to another room; its token for "call" no longer puts it back there.
    const mover = twins[0]!;
    mover.send({ type: 'leave' });
    await mate.client.next('peer-left');
    mover.send({ type: 'join', room: 'elsewhere' });
    const moved = await mover.next('welcome');
    const stale = await joinWith(server.wsUrl, 'call', (first as { resume: string }).resume);
    const staleWelcome = await stale.next('welcome');
    expect(staleWelcome).toMatchObject({ resumed: false });
    expect(staleWelcome.id).not.toBe(owner.welcome.id);
    expect(moved.id).toBe(owner.welcome.id);

    // A hundred sockets each take an id and a token; the server remembers only the latest fifty ids.
    const churned: string[] = [];
    for (let i = 0; i < 100; i++) {
      const { client, welcome } = await TestClient.joined(server.wsUrl, `churn-${i}`, undefined, {
        localAddress: '127.0.0.4',
      });
      churned.push(welcome.resume);
      client.terminate();
    }
    const forgotten = await joinWith(server.wsUrl, 'churn-0', churned[0]!, '127.0.0.5');
    expect((await forgotten.next('welcome')).resumed).toBe(false);
    const remembered = await joinWith(server.wsUrl, 'churn-99', churned[99]!, '127.0.0.5');
    expect((await remembered.next('welcome')).resumed).toBe(true);

    await control.assertUnaffected();
    control.close();
    for (const client of clients.splice(0)) client.terminate();
    // Two lines per connection (its request, its join), and one per leave and takeover: about 110 connections.
    await server.expectRecovered(before, { logLines: 2 * 110 + 10 });
  });

  it('honour a token from before a restart once, and refuse its replay', async () => {
    server = await ServerProcess.start(SECRET);
    const owner = await TestClient.joined(server.wsUrl, 'call', 'owner');
    owner.client.terminate();
    await server.stop();
    server = await ServerProcess.start(SECRET, { inspect: true });
    const control = await controlPair(server.wsUrl, { localAddress: '127.0.0.2' });
    const before = await server.snapshot();

    const back = await joinWith(server.wsUrl, 'call', owner.welcome.resume);
    expect(await back.next('welcome')).toMatchObject({ id: owner.welcome.id, resumed: true });
    const replay = await joinWith(server.wsUrl, 'call', owner.welcome.resume, '127.0.0.3');
    const welcome = await replay.next('welcome');
    expect(welcome.resumed).toBe(false);
    expect(welcome.id).not.toBe(owner.welcome.id);

    await control.assertUnaffected();
    control.close();
    for (const client of clients.splice(0)) client.terminate();
    await server.expectRecovered(before, { logLines: 10 });
  });
});
