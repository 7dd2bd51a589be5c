import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The web client's DOM-free logic (signaling client on a fake socket, peer connection policies), in node.
        test: {
          name: 'web',
          include: ['test/web/**/*.test.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Attacks on the real processes (test/helpers/node-process.ts): each one floods a relay or a
        // server to its limits, so one file at a time, after the server tests, where the floods
        // cannot starve another file's timing.
        test: {
          name: 'abuse',
          include: ['test/abuse/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 30_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // Real browsers on 2 cores: one file at a time, after the server tests, with room for ICE.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
      {
        // The NAT lab (network namespaces, root): calls through real NAT routers, one case at a time, last.
        test: {
          name: 'nat',
          include: ['test/nat/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
