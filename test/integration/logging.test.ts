import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';

describe('logs', () => {
  it('never print room tokens, resume tokens, cookies or authorization headers', async () => {
    const server = await startServer({ LOG_LEVEL: 'trace' });
    const secrets = ['room-token-0f9e8d7c', 'cookie-value-1a2b3c', 'bearer-4d5e6f'];
    const client = await TestClient.connect(server.wsUrl, {
      headers: { cookie: `session=${secrets[1]}`, authorization: `Bearer ${secrets[2]}` },
    });
    client.send({ type: 'join', room: 'secret-room', token: secrets[0] });
    secrets.push((await client.next('welcome')).resume);
    client.send({ type: 'join', room: 'x', token: secrets[0], bogus: true });
    await client.nextError();
    await fetch(`${server.httpUrl}/healthz`, { headers: { authorization: `Bearer ${secrets[2]}` } });
    client.close();
    await client.closed;
    await server.close();
    const all = server.logs.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(all).not.toContain(secret);
  });

  it('never print a room token or resume token carried in a link, and say that one was there', async () => {
    // No web client here, so each link is also a 404: neither path may print the token.
    const server = await startServer({ LOG_LEVEL: 'trace' });
    const secrets = ['link-token-5e6f7a8b', 'ice-test-token-9c0d1e2f', 'resume-3a4b5c6d'];
    await fetch(`${server.httpUrl}/r/standup?name=Ada&token=${secrets[0]}`);
    await fetch(`${server.httpUrl}/ice-test?TOKEN=${secrets[1]}#x`);
    await fetch(`${server.httpUrl}/r/standup?resume=${secrets[2]}&token=`);
    await server.close();
    const urls = server.logs.map((line) => JSON.parse(line)).flatMap((entry) => entry.req?.url ?? []);
    expect(urls).toEqual([
      '/r/standup?name=Ada&token=[redacted]',
      '/ice-test?TOKEN=[redacted]',
      '/r/standup?resume=[redacted]&token=[redacted]',
    ]);
    for (const secret of secrets) expect(server.logs.join('')).not.toContain(secret);
  });

  it('bind the peer id and room to every line about a socket', async () => {
    const server = await startServer();
    const { welcome, client } = await TestClient.joined(server.wsUrl, 'logged-room');
    client.close();
    await client.closed;
    await server.close();
    const joined = server.logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'joined');
    expect(joined).toMatchObject({ peer: welcome.id, room: 'logged-room', level: 30 });
  });
});
