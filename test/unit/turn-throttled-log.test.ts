import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ThrottledLog } from '../../turn/throttled-log.js';

function capture(level = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const clock = { now: 0 };
  const log = new ThrottledLog(pino({ level }, stream), 3, 60_000, () => clock.now);
  return { lines, clock, log };
}

describe('the throttled log for lines clients can cause', () => {
  it('writes 3 lines of a message a minute, then counts the rest into the next line that gets through', () => {
    const { lines, clock, log } = capture();
    for (let i = 0; i < 1000; i++) log.error({ i }, 'request failed');
    expect(lines).toHaveLength(3);
    clock.now += 60_000;
    log.error({ i: 1000 }, 'request failed');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ msg: 'request failed', i: 1000, suppressed: 997 });
  });

  it('throttles each message on its own', () => {
    const { lines, log } = capture();
    for (let i = 0; i < 10; i++) {
      log.warn({}, 'UDP listener error');
      log.debug({}, 'TLS handshake failed');
    }
    expect(lines.filter((line) => line.msg === 'UDP listener error')).toHaveLength(3);
    expect(lines.filter((line) => line.msg === 'TLS handshake failed')).toHaveLength(3);
  });

  it('counts nothing for a level that is off', () => {
    const { lines, clock, log } = capture('info');
    for (let i = 0; i < 10; i++) log.debug({}, 'malformed request');
    clock.now += 60_000;
    log.warn({}, 'malformed request');
    expect(lines).toEqual([expect.not.objectContaining({ suppressed: expect.anything() })]);
  });
});
