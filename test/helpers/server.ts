/**
 * Starts the real app on 127.0.0.1, port 0, with test-sized limits, and
 * captures its JSON logs so tests can assert on what was (not) logged.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';

export interface TestServer {
  app: FastifyInstance;
  config: Config;
  httpUrl: string;
  wsUrl: string;
  logs: string[];
  close(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'debug',
    STATIC_DIR: '/nonexistent-static-dir',
    ...env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await buildApp(config, { logStream });
  await app.listen({ host: config.host, port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const httpUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    config,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${address.port}/ws`,
    logs,
    close: () => app.close(),
  };
}
