import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { createTurnMetrics, serveMetrics } from '../../turn/metrics.js';
import { ThrottledLog } from '../../turn/throttled-log.js';

const gauges = {
  allocations: () => 0,
  reservations: () => 0,
  permissions: () => 0,
  channels: () => 0,
  connections: () => 0,
  tlsCertificateExpiry: () => undefined,
};

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('the relay metrics listener', () => {
  it('logs an error raised after listening (an accept failure) instead of ending the process, and keeps serving', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = new ThrottledLog(pino({ level: 'warn' }, stream));
    server = await serveMetrics(createTurnMetrics(gauges), { host: '127.0.0.1', port: 0, log });
    // What Node's net.Server emits when accept() fails with anything but EMFILE/ENFILE (ENOBUFS, ENOMEM):
    // an EventEmitter 'error' with no listener would throw here, out of the event loop.
    const failure = Object.assign(new Error('accept ENOBUFS'), { code: 'ENOBUFS', syscall: 'accept' });
    expect(() => server!.emit('error', failure)).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'metrics listener error', err: { code: 'ENOBUFS' } });

    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('vc_turn_allocations 0');
  });
});
