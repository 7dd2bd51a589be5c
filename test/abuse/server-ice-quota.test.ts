/**
 * Issue 11, finding 6b: a room-mate asks GET /api/ice-servers for TURN
 * credentials in its victim's name (`?username=<peer id>`) and allocates
 * with each, to use up the victim's per-user quota at the relay. The server
 * picks the user in every credential itself, so the relay counts the
 * attacker's allocations against identities of their own, and the victim
 * still gets its allocation. Against the real server and relay processes;
 * afterwards the server is up, back near its start, and its log stayed short.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../helpers/process.js';
import { RelayProcess } from '../helpers/relay-process.js';
import { RELAY_SECRET } from '../helpers/relay.js';
import { controlPair } from '../helpers/control-pair.js';
import { TestClient } from '../helpers/client.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import type { IceServer } from '../../protocol/ice.js';

let server: ServerProcess | undefined;
let relay: RelayProcess | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await server?.stop();
  await relay?.stop();
  server = relay = undefined;
});

/** The relay's default per-user quota (TURN_MAX_ALLOCATIONS_PER_USER). */
const PER_USER = 10;

function turnCredential(iceServers: IceServer[]): { username: string; password: string } {
  const turn = iceServers.find((entry) => entry.username !== undefined);
  return { username: turn?.username ?? '', password: turn?.credential ?? '' };
}

describe("credentials in a room-mate's name", () => {
  it("cannot use up the victim's relay quota: the victim still allocates", async () => {
    relay = await RelayProcess.start();
    server = await ServerProcess.start(
      { TURN_URLS: `turn:127.0.0.1:${relay.ports.udp}?transport=udp`, TURN_SECRET: RELAY_SECRET },
      { inspect: true },
    );
    const control = await controlPair(server.wsUrl, { localAddress: '127.0.0.2' });
    const victim = await TestClient.joined(server.wsUrl, 'call', 'victim', { localAddress: '127.0.0.3' });
    const mate = await TestClient.joined(server.wsUrl, 'call', 'mate');
    closers.push(
      () => victim.client.terminate(),
      () => mate.client.terminate(),
    );
    const before = await server.snapshot();

    for (let i = 0; i <= PER_USER; i++) {
      const response = await fetch(`${server.httpUrl}/api/ice-servers?username=${victim.welcome.id}`);
      expect(response.status).toBe(200);
      const credential = turnCredential(((await response.json()) as { iceServers: IceServer[] }).iceServers);
      expect(credential.username.split(':')[1]).not.toBe(victim.welcome.id);
      const attacker = await TurnTestClient.open(relay.server, credential);
      closers.push(() => attacker.close());
      expect(errorCode(await attacker.allocate())).toBe(200);
    }

    const own = await TurnTestClient.open(relay.server, turnCredential(victim.welcome.iceServers), '127.0.0.3');
    closers.push(() => own.close());
    expect(errorCode(await own.allocate()), "the victim's allocation").toBe(200);

    await control.assertUnaffected();
    control.close();
    // A request line and a completion line per credential asked for.
    await server.expectRecovered(before, { logLines: 2 * (PER_USER + 1) + 5 });
  });
});
