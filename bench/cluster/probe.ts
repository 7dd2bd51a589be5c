/**
 * Preloaded into every node (`node --expose-gc --import probe.js server/main.js`):
 * answers the bench's usage requests over IPC exactly as the signaling bench's
 * server children do, settled RSS and heap included, while the node itself
 * runs untouched from its compiled main.ts.
 */
import { serveUsage } from '../signaling/ipc.js';

serveUsage();
// A listened-to IPC channel keeps a process alive; unref'd, a node still exits on its own after SIGTERM as in
// production, which is when --cpu-prof writes its profile (profile.ts).
process.channel?.unref();
