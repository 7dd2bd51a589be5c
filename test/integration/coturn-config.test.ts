/**
 * infra/coturn/turnserver.conf really does what docs/turn.md promises:
 * coturn accepts the signaling server's credentials, refuses expired ones,
 * and refuses the same special-purpose peers as the bundled relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../helpers/coturn.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { issueTurnCredential } from '../../server/turn-credentials.js';

const SECRET = 'coturn-config-secret-0123456789';
let coturn: Coturn;
const clients: TurnTestClient[] = [];

beforeAll(async () => {
  coturn = await startCoturn(SECRET, 500);
});
afterAll(async () => {
  for (const client of clients) client.close();
  await coturn?.close();
});

async function allocated(user: string, ttl = 600, now = Date.now()) {
  const client = await TurnTestClient.open(
    { address: '127.0.0.1', port: coturn.port },
    issueTurnCredential(SECRET, ttl, user, now),
  );
  clients.push(client);
  return { client, response: await client.allocate() };
}

describe('coturn with the shipped configuration', () => {
  it("accepts the signaling server's short-lived credentials", async () => {
    expect(errorCode((await allocated('ada')).response)).toBe(200);
  });

  it('refuses expired credentials with 401', async () => {
    expect(errorCode((await allocated('late', 600, Date.now() - 601_000)).response)).toBe(401);
  });

  it.each(['10.1.2.3', '169.254.169.254', '172.16.5.4', '192.168.1.1', '100.64.0.1', '198.18.0.1'])(
    'refuses a permission to %s with 403',
    async (address) => {
      const { client } = await allocated(`probe-${address}`);
      expect(errorCode(await client.createPermission({ family: 4, address, port: 5432 }))).toBe(403);
    },
  );

  // A permission only: no packet leaves the machine. Every public peer must be allowed, or no call relays.
  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34'])('allows a permission to the public address %s', async (address) => {
    const { client } = await allocated(`public-${address}`);
    expect(errorCode(await client.createPermission({ family: 4, address, port: 5432 }))).toBe(200);
  });

  // coturn checks the address family before its peer rules, so IPv6 forms on an IPv4 allocation get 443: refused all
  // the same.
  it.each(['::ffff:10.1.2.3', '::ffff:169.254.169.254', 'fd00::1', '::1'])(
    'refuses a permission to %s',
    async (address) => {
      const { client } = await allocated(`probe-${address}`);
      expect([403, 443]).toContain(errorCode(await client.createPermission({ family: 6, address, port: 5432 })));
    },
  );
});
