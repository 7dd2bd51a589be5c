/**
 * Serves the built web client (`STATIC_DIR`, by default web/dist): the pages,
 * `/r/:room` (the call page for any room), `/ice-test` (the operator's ICE
 * test page), and `/video-call.js`, the element that other sites embed,
 * with CORS so a module script on any origin may load it. A missing build is not fatal, since the signaling server is useful on
 * its own, but it is said once at boot so an operator is not left guessing.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ROOM_PATTERN } from '../../protocol/signaling.js';

/** The embed URL never changes, so it is revalidated often (ETag) rather than cached long. */
const EMBED_CACHE = 'public, max-age=300, stale-while-revalidate=86400';

export default async function staticFiles(app: FastifyInstance, { dir }: { dir: string }) {
  const root = resolve(dir);
  if (!existsSync(root)) {
    app.log.warn({ dir: root }, 'no web client in STATIC_DIR; static files are not served');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    // `/` has its own route below: with preCompressed, @fastify/static answers 404 for a
    // directory index whenever the browser accepts gzip or br (every browser does).
    index: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders(res, path) {
      // With preCompressed, `path` may be the .br or .gz twin of the file asked for.
      const file = basename(path).replace(/\.(br|gz)$/, '');
      res.setHeader('vary', 'accept-encoding');
      if (file.endsWith('.js') || file.endsWith('.js.map') || file === 'custom-elements.json') {
        // Anyone may embed the element: it holds no secret, and credentials are never sent with it.
        res.setHeader('access-control-allow-origin', '*');
        res.setHeader('cross-origin-resource-policy', 'cross-origin');
        res.setHeader('cache-control', EMBED_CACHE);
      } else {
        res.setHeader('cache-control', 'no-cache');
        // A page's URL may carry a room token (/r/standup?token=…): its own requests must not repeat it as Referer.
        res.setHeader('referrer-policy', 'no-referrer');
      }
    },
  });

  app.get(
    '/r/:room',
    {
      schema: {
        params: { type: 'object', properties: { room: { type: 'string', pattern: ROOM_PATTERN } }, required: ['room'] },
      },
    },
    (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('room.html'),
  );
  app.get('/', (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  app.get('/ice-test', (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('ice-test.html'));
}
