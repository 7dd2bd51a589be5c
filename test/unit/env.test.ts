import { describe, expect, it } from 'vitest';
import { cidrItem, integer, ipAddress, list, oneOf, secret, text, urlItem } from '../../env/kinds.js';
import { defaultsOf, given, problemReport, readEnv } from '../../env/read-env.js';

const port = integer('PORT', { min: 0, max: 65535, default: 8080, doc: 'a port' });
const level = oneOf('LEVEL', ['low', 'high'], { default: 'low', doc: 'a level' });

/** What reading a spec from an environment found wrong. */
function problems(spec: Parameters<typeof readEnv>[0], env: Record<string, string>): string[] {
  return readEnv(spec, env).problems;
}

describe('the environment reader', () => {
  it('reads an unset, empty or all-space variable as its default, and trims the rest', () => {
    for (const env of [{}, { PORT: '' }, { PORT: ' \t ' }]) expect(readEnv({ port }, env).values.port).toBe(8080);
    expect(readEnv({ port }, { PORT: ' 9000\n' }).values.port).toBe(9000);
    expect(given({ A: '  x ' }, 'A')).toBe('x');
    expect(given({ A: '   ' }, 'A')).toBeUndefined();
  });

  it('reads the environment it is given, never the process environment', () => {
    process.env.VC_ENV_TEST_PORT = '1234';
    try {
      const own = integer('VC_ENV_TEST_PORT', { min: 0, max: 65535, default: 1, doc: 'a port' });
      expect(readEnv({ own }, {}).values.own).toBe(1);
    } finally {
      delete process.env.VC_ENV_TEST_PORT;
    }
  });

  it('takes integers as plain decimal digits within their range, naming the variable, the range and the text', () => {
    expect(readEnv({ port }, { PORT: '0' }).values.port).toBe(0);
    expect(readEnv({ port }, { PORT: '65535' }).values.port).toBe(65535);
    for (const bad of ['-1', '+1', '1.5', '1e3', '10_000', '0x10', '10s', '65536', '99999999999999999999']) {
      expect(problems({ port }, { PORT: bad })).toEqual([`PORT must be an integer from 0 to 65535, got "${bad}"`]);
    }
  });

  it('takes one of its words, case-sensitively, and lists them when refusing', () => {
    expect(readEnv({ level }, { LEVEL: 'high' }).values.level).toBe('high');
    expect(problems({ level }, { LEVEL: 'HIGH' })).toEqual(['LEVEL must be one of low, high, got "HIGH"']);
  });

  it('takes an IPv4 or IPv6 address and nothing else', () => {
    const host = ipAddress('HOST', { default: '0.0.0.0', doc: 'an address' });
    expect(readEnv({ host }, { HOST: '::1' }).values.host).toBe('::1');
    expect(problems({ host }, { HOST: 'localhost' })).toEqual(['HOST must be an IP address, got "localhost"']);
    expect(problems({ host }, { HOST: '10.0.0.1/8' })).toEqual(['HOST must be an IP address, got "10.0.0.1/8"']);
  });

  it('reads a list by commas, ignoring spaces and empty items, and names every bad item', () => {
    const urls = list('URLS', urlItem('stun', 'stuns'), { doc: 'urls' });
    expect(readEnv({ urls }, {}).values.urls).toEqual([]);
    const read = readEnv({ urls }, { URLS: ' stun:a:3478 ,, stuns:{host}:443,' });
    expect(read.values.urls).toEqual(['stun:a:3478', 'stuns:{host}:443']);
    expect(problems({ urls }, { URLS: 'stun:a, turn:b, stun:, http://c' })).toEqual([
      'URLS has an invalid URL "turn:b"',
      'URLS has an invalid URL "stun:"',
      'URLS has an invalid URL "http://c"',
    ]);
  });

  it('takes CIDRs with a prefix no longer than their family allows', () => {
    const peers = list('PEERS', cidrItem, { doc: 'cidrs' });
    const good = '10.0.0.0/8, 127.0.0.1, ::1/128, fd00::/8, 0.0.0.0/0';
    const read = readEnv({ peers }, { PEERS: good });
    expect(read.values.peers).toEqual(['10.0.0.0/8', '127.0.0.1', '::1/128', 'fd00::/8', '0.0.0.0/0']);
    const bads = ['10.0.0.0/33', '::/129', '10.0.0.0/8/8', '10.0.0.0/', '10.0.0.0/x', 'example.com/8', '10.0.0/8'];
    for (const bad of bads) {
      expect(problems({ peers }, { PEERS: bad })).toEqual([`PEERS has an invalid CIDR "${bad}"`]);
    }
  });

  it('refuses a short secret without echoing it, and asks for a required one', () => {
    const key = secret('KEY', { minLength: 16, doc: 'a key' });
    const needed = secret('NEEDED', { minLength: 16, required: 'what it is for', doc: 'a key' });
    expect(readEnv({ key }, { KEY: 'x'.repeat(16) }).values.key).toBe('x'.repeat(16));
    const found = problems({ key, needed }, { KEY: 'hunter2-hunter2' });
    expect(found).toEqual([
      'KEY must be at least 16 characters (e.g. openssl rand -hex 32)',
      'NEEDED is required: what it is for',
    ]);
    expect(found.join('\n')).not.toContain('hunter2');
  });

  it('reports every problem at once, in the order of the spec, and gives each bad variable its default', () => {
    const name = text('NAME', { default: 'n', doc: 'a name' });
    const reading = readEnv({ port, name, level }, { LEVEL: 'mid', NAME: 'kept', PORT: 'http' });
    expect(reading.problems).toEqual([
      'PORT must be an integer from 0 to 65535, got "http"',
      'LEVEL must be one of low, high, got "mid"',
    ]);
    expect(reading.values).toEqual({ port: 8080, name: 'kept', level: 'low' });
    expect(reading.clean('name')).toBe(true);
    expect(reading.clean('name', 'port')).toBe(false);
  });

  it('hands each reading its own copy of a default', () => {
    const urls = list('URLS', urlItem('stun'), { doc: 'urls' });
    defaultsOf({ urls }).urls.push('stun:changed');
    expect(defaultsOf({ urls }).urls).toEqual([]);
  });

  it('formats a report as a title and one line per problem', () => {
    const report = problemReport('invalid configuration', ['A is bad', 'B is bad']);
    expect(report).toBe('invalid configuration:\n  - A is bad\n  - B is bad');
  });
});
