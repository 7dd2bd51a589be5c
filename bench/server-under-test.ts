/**
 * Child process: our signaling server exactly as main.ts builds it, with
 * limits raised so the bench measures the relay path, not the guards tripping.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { reportReady, serveUsage } from './ipc.js';

const app = await buildApp(
  loadConfig({
    LOG_LEVEL: 'warn',
    ROOM_CAPACITY: '2',
    MAX_CONNECTIONS: '20000',
    // Every bench socket comes from 127.0.0.1, so the per-address cap must admit them all.
    MAX_CONNECTIONS_PER_IP: '20000',
    // Long enough never to fire during a round, so no timer work lands in a measured window.
    JOIN_TIMEOUT_MS: '600000',
    HEARTBEAT_INTERVAL_MS: '600000',
    // The limiter still runs on every frame; it is set high so a closed loop is never throttled.
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '1000000',
  }),
);
await app.listen({ host: '127.0.0.1', port: 0 });
serveUsage();
reportReady((app.server.address() as AddressInfo).port);
