import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UdpLinks } from '../../turn/udp-links.js';
import { fiveTupleKey } from '../../turn/transport.js';

let socket: Socket;
let links: UdpLinks;
let sendFailures: number;
beforeEach(() => {
  socket = createSocket('udp4');
  sendFailures = 0;
  links = new UdpLinks(socket, 3478, () => (sendFailures += 1));
});
afterEach(() => socket.close());

describe('UDP links of the TURN listener', () => {
  it('gives a source without an allocation a fresh link with its 5-tuple key, and keeps none', () => {
    const link = links.link('192.0.2.1', 5000);
    expect(link).toMatchObject({
      transport: 'udp',
      address: '192.0.2.1',
      port: 5000,
      key: fiveTupleKey('udp', '192.0.2.1', 5000, 3478),
    });
    expect(links.link('192.0.2.1', 5000)).not.toBe(link);
    expect(links.size).toBe(0);
  });

  it('keeps nothing for a source spraying 100 000 source ports', () => {
    for (let port = 1; port <= 100_000; port++) links.link(`198.51.100.${port % 200}`, (port % 65535) + 1);
    expect(links.size).toBe(0);
  });

  it('hands out the kept link of an allocation until it is forgotten', () => {
    const link = links.link('192.0.2.1', 5000);
    links.keep(link);
    expect(links.link('192.0.2.1', 5000)).toBe(link);
    expect(links.link('192.0.2.1', 5001)).not.toBe(link);
    expect(links.size).toBe(1);
    links.forget(link);
    expect(links.link('192.0.2.1', 5000)).not.toBe(link);
    expect(links.size).toBe(0);
  });

  it('does not forget a newer link of the same source for an older one', () => {
    const old = links.link('192.0.2.1', 5000);
    links.keep(old);
    links.forget(old);
    const current = links.link('192.0.2.1', 5000);
    links.keep(current);
    links.forget(old);
    expect(links.link('192.0.2.1', 5000)).toBe(current);
    expect(links.size).toBe(1);
  });

  it('ignores links of other listeners (TCP, TLS, another port)', () => {
    links.keep({
      transport: 'tcp',
      address: '192.0.2.1',
      port: 5000,
      key: fiveTupleKey('tcp', '192.0.2.1', 5000, 3478),
      send: () => undefined,
      close: () => undefined,
    });
    links.keep({
      transport: 'udp',
      address: '192.0.2.1',
      port: 5000,
      key: fiveTupleKey('udp', '192.0.2.1', 5000, 3479),
      send: () => undefined,
      close: () => undefined,
    });
    expect(links.size).toBe(0);
  });

  it('counts a send the socket refuses at once (a source port 0, which cannot be answered) instead of throwing', () => {
    const link = links.link('127.0.0.1', 0);
    expect(() => link.send(Buffer.from('answer'))).not.toThrow();
    expect(sendFailures).toBe(1);
  });
});
