/**
 * Serves the built web client (`STATIC_DIR`, by default web/dist). A missing
 * build is not fatal, since the signaling server is useful on its own, but it
 * is said once at boot so an operator is not left guessing at a 404.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

export default async function staticFiles(app: FastifyInstance, { dir }: { dir: string }) {
  const root = resolve(dir);
  if (!existsSync(root)) {
    app.log.warn({ dir: root }, 'no web client in STATIC_DIR; static files are not served');
    return;
  }
  await app.register(fastifyStatic, { root, index: 'index.html', maxAge: '1h' });
}
