/**
 * turn/client's transactions against servers that lose, ignore or hang up
 * on requests, all real sockets on loopback: a lost UDP request is
 * retransmitted with its transaction id, a bounded number of times; a
 * stream request is sent once; and nothing waits forever: the deadline,
 * close() and a dropped connection each reject what is pending.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from '../helpers/relay.js';
import { dropFirstForwarder, silentTcpServer, silentUdpServer, type Silent } from '../helpers/lossy-servers.js';
import { ClientClosedError, NoAnswerError, TurnClient, type ClientOptions } from '../../turn/client/index.js';
import type { IceTransport } from '../../protocol/ice-url.js';

let relay: TestRelay | undefined;
const servers: Silent[] = [];
const clients: TurnClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
  await relay?.close();
  relay = undefined;
});

async function clientOf(port: number, transport: IceTransport, options: ClientOptions): Promise<TurnClient> {
  const client = await TurnClient.connect({ host: '127.0.0.1', port, transport }, options);
  clients.push(client);
  return client;
}

async function silent(transport: 'UDP' | 'TCP'): Promise<Silent> {
  const server = transport === 'UDP' ? await silentUdpServer() : await silentTcpServer();
  servers.push(server);
  return server;
}

describe('turn/client retransmission', () => {
  it('sends a lost UDP request again with the same transaction id, and takes the answer to the copy', async () => {
    relay = await startRelay();
    const forwarder = await dropFirstForwarder(relay.server);
    servers.push(forwarder);
    const client = await clientOf(forwarder.port, 'UDP', { rtoMs: 100, timeoutMs: 3000 });
    const mapped = await client.binding();
    // The relay saw the forwarder, so the answer can only have come through the retransmission.
    expect(mapped.address).toBe('127.0.0.1');
    expect(forwarder.received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(forwarder.received).size).toBe(1);
    expect(forwarder.forwarded[0]).toBe(forwarder.received[0]);
  });

  it('stops after maxTransmissions over UDP, then rejects with NoAnswerError at the deadline', async () => {
    const server = await silent('UDP');
    const client = await clientOf(server.port, 'UDP', { rtoMs: 50, maxTransmissions: 3, timeoutMs: 1500 });
    await expect(client.binding()).rejects.toBeInstanceOf(NoAnswerError);
    expect(server.received).toHaveLength(3);
    expect(new Set(server.received).size).toBe(1);
  });

  it('sends a request over TCP once, never again, and rejects with NoAnswerError at the deadline', async () => {
    const server = await silent('TCP');
    const client = await clientOf(server.port, 'TCP', { rtoMs: 50, timeoutMs: 800 });
    await expect(client.binding()).rejects.toThrow(/no answer to Binding over TCP within 800 ms/);
    expect(server.received).toHaveLength(1);
  });
});

describe('turn/client settles what waits', () => {
  it('rejects a pending request and a pending nextData with ClientClosedError on close()', async () => {
    const server = await silent('UDP');
    const client = await clientOf(server.port, 'UDP', { timeoutMs: 60_000 });
    const request = client.binding();
    const data = client.nextData(60_000);
    client.close();
    await expect(request).rejects.toBeInstanceOf(ClientClosedError);
    await expect(data).rejects.toBeInstanceOf(ClientClosedError);
    await expect(client.binding()).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('rejects a pending request with ClientClosedError when the server ends the TCP connection', async () => {
    const server = await silentTcpServer({ hangUp: true });
    servers.push(server);
    const client = await clientOf(server.port, 'TCP', { timeoutMs: 60_000 });
    await expect(client.binding()).rejects.toThrow(new ClientClosedError('the connection closed'));
  });

  it('rejects nextData with NoAnswerError when no peer sends', async () => {
    const server = await silent('UDP');
    const client = await clientOf(server.port, 'UDP', {});
    await expect(client.nextData(100)).rejects.toBeInstanceOf(NoAnswerError);
  });
});
