import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Vitest's default on 2 cores is one worker, which runs the server project's files one by one
    // although most of their time is spent waiting on sockets and child processes. Three workers
    // overlap those waits; the projects that must not share the machine set fileParallelism: false.
    maxWorkers: 3,
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: ['test/integration/turn-uclient.test.ts', 'test/integration/cluster*.test.ts'],
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
        // coturn's turnutils_uclient through our relay, expecting every packet back: its UDP leg to
        // turnutils_peer loses datagrams on a starved machine, so it runs alone, after the server tests.
        test: {
          name: 'interop',
          include: ['test/integration/turn-uclient.test.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // Shared mode (issue 14): each file runs several server processes and a redis-server and bounds
        // failure detection by CLUSTER_HEARTBEAT_MS, so one file at a time, after the server tests, in
        // the abuse group's single worker: nothing else starves the nodes' heartbeats.
        test: {
          name: 'cluster',
          include: ['test/integration/cluster*.test.ts'],
          // A node takes 5-10 s to start from source (tsx) on 2 busy cores, and some cases start three.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
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
          sequence: { groupOrder: 3 },
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
          sequence: { groupOrder: 4 },
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
          sequence: { groupOrder: 5 },
        },
      },
    ],
  },
});
