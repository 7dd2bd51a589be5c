/**
 * Once per `npm run test:compose`: finds the engine (or fails saying how to
 * get one), builds the stand-in base images when missing, builds the app
 * image through docker-compose.yml as an operator would, and keeps the
 * engine's healthchecks running where podman cannot schedule them itself.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectEngine, dockerHost } from './engine.js';
import { ComposeStack, ROOT, TEST_VERSION } from './compose.js';
import { startHealthPump, type HealthPump } from './health-pump.js';

declare module 'vitest' {
  export interface ProvidedContext {
    appImage: string;
  }
}

function standIns(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'test/compose/stand-ins.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`test/compose/stand-ins.sh exited ${code}`)),
    );
  });
}

let pump: HealthPump | undefined;

export async function setup(project: TestProject): Promise<void> {
  const engine = await connectEngine();
  process.stderr.write(`compose tests: ${engine.name} ${engine.version} on ${dockerHost()}\n`);
  if (engine.podman && !existsSync('/run/systemd/system')) pump = startHealthPump();

  const started = Date.now();
  await standIns();
  const stack = await ComposeStack.create('vc-build', {
    DOMAIN: 'localhost',
    TURN_DOMAIN: 'turn.localhost',
    TURN_SECRET: 'build-only-secret-0123456789',
    ROOM_ACCESS: 'token',
  });
  await stack.runOk(['build', 'app'], 600_000);
  process.stderr.write(`compose tests: images ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  project.provide('appImage', `video-call:${TEST_VERSION}`);
}

export async function teardown(): Promise<void> {
  await pump?.stop();
}
