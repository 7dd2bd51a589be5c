/**
 * `npm run test:compose`: the deployment itself, built and run in containers
 * (docker-compose.yml through docker-compose, the images through
 * testcontainers) on the engine behind DOCKER_HOST. Files run one at a time:
 * they share the machine's two cores with the stacks they start.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { DEFAULT_DOCKER_HOST } from './engine.js';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'compose',
    include: ['test/compose/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    globalSetup: ['test/compose/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    env: {
      DOCKER_HOST: process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST,
      // Ryuk, testcontainers' reaper, is an image no registry here can give; each test removes what it started.
      TESTCONTAINERS_RYUK_DISABLED: 'true',
    },
  },
});
