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
import { RAISED_LIMITS } from './params.js';

const app = await buildApp(loadConfig({ LOG_LEVEL: 'warn', ...(process.argv[2] === 'defaults' ? {} : RAISED_LIMITS) }));
await app.listen({ host: '127.0.0.1', port: 0 });
serveUsage();
reportReady((app.server.address() as AddressInfo).port);
