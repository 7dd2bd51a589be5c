/** What bench/web runs and aims for, in one place, so the report prints exactly what ran. */

/** Timed join rounds (after one untimed). */
export const ROUNDS = 10;
/** Every round, setup included, must finish within this, or it counts as failed. */
export const ROUND_TIMEOUT_MS = 20_000;

/** Before the timed rounds, wait (boundedly) until other processes use at most this much of a core. */
export const QUIET_CPU_PERCENT = 80;
export const QUIET_WAIT_MS = 30_000;

/** KB here is 1000 bytes, the stricter reading of "20 KB". */
export const KB = 1000;
/** `joinRatio`: today's median join over the reference element's; not slower, within the noise of 10 rounds. */
export const targets = { gzipBytes: 20 * KB, lazyGzipBytes: 32 * KB, joinMedianMs: 300, joinRatio: 1.1 };
