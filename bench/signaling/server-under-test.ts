/**
 * Child process: our signaling server exactly as main.ts builds it. By
 * default with limits raised so the bench measures the relay path, not the
 * guards tripping; with the argument `defaults`, with the limits it ships
 * with, for the flood rounds.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { reportReady, serveUsage } from './ipc.js';

const RAISED = {
  ROOM_CAPACITY: '2',
  MAX_CONNECTIONS: '20000',
  // Every bench socket comes from 127.0.0.1, so the per-address limits must admit them all.
  MAX_CONNECTIONS_PER_IP: '20000',
  UPGRADES_PER_MINUTE_PER_IP: '1000000',
  MAX_PENDING_REQUESTS_PER_IP: '20000',
  // Long enough never to fire during a round, so no timer work lands in a measured window.
  JOIN_TIMEOUT_MS: '600000',
  HEARTBEAT_INTERVAL_MS: '600000',
  // The limiters still run on every frame and every byte; they are set high so a closed loop is never throttled.
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  RATE_LIMIT_PER_SECOND_PER_IP: '1000000',
  RATE_LIMIT_BURST_PER_IP: '1000000',
  RATE_LIMIT_BYTES_PER_SECOND: String(1024 ** 3),
  RATE_LIMIT_BYTES_BURST: String(1024 ** 3),
  RATE_LIMIT_BYTES_PER_SECOND_PER_IP: String(1024 ** 3),
  RATE_LIMIT_BYTES_BURST_PER_IP: String(1024 ** 3),
};

const app = await buildApp(loadConfig({ LOG_LEVEL: 'warn', ...(process.argv[2] === 'defaults' ? {} : RAISED) }));
await app.listen({ host: '127.0.0.1', port: 0 });
serveUsage();
reportReady((app.server.address() as AddressInfo).port);
