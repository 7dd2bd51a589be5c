/**
 * Two peers in a room of their own, set up before a test abuses the server.
 * `assertUnaffected()` proves afterwards that the server still relays for
 * them and that nothing from the abuse leaked into their room. Against limits
 * per client address, the pair connects from an address of its own
 * (`localAddress`, e.g. 127.0.0.2: all of 127.0.0.0/8 is loopback). On a
 * server in token mode, give it a room token (`token`) for its room.
 */
import { expect } from 'vitest';
import { TestClient } from './client.js';

export async function controlPair(
  wsUrl: string,
  { room = 'control-room', localAddress, token }: { room?: string; localAddress?: string; token?: string } = {},
) {
  const options = localAddress === undefined ? {} : { localAddress };
  const join = async (name: string) => {
    if (token === undefined) return TestClient.joined(wsUrl, room, name, options);
    const client = await TestClient.joining(wsUrl, { room, name, token }, options);
    return { client, welcome: await client.next('welcome') };
  };
  const a = await join('control-a');
  const b = await join('control-b');
  await a.client.next('peer-joined');
  return {
    async assertUnaffected(): Promise<void> {
      await a.client.expectNothingPending();
      await b.client.expectNothingPending();
      const data = {
        candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.9 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
      };
      a.client.send({ type: 'signal', to: b.welcome.id, data });
      expect(await b.client.next('signal')).toEqual({ type: 'signal', from: a.welcome.id, data });
      b.client.send({ type: 'signal', to: a.welcome.id, data });
      expect(await a.client.next('signal')).toEqual({ type: 'signal', from: b.welcome.id, data });
    },
    close(): void {
      a.client.terminate();
      b.client.terminate();
    },
  };
}
