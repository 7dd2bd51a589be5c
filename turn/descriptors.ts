/**
 * The relay holds a descriptor per relay socket (allocation or reservation)
 * and per TCP/TLS connection. Under a descriptor limit below what its caps
 * allow (1024 is a common hard limit), the caps never bind: accept() and
 * bind() fail first, and every Allocate gets 508. Read once at start, so the
 * operator is told which of the two to change.
 */
import { readFileSync } from 'node:fs';
import type { TurnConfig } from './config.js';

/** Listeners, the metrics server, stdio, and what Node itself holds. */
const OWN_DESCRIPTORS = 64;

/** This process's open-file limit (Node raises the soft limit to the hard one at start), if the OS says. */
export function descriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || !/^\d+$/.test(soft) ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

export function descriptorsNeeded(config: Pick<TurnConfig, 'maxAllocations' | 'maxConnections'>): number {
  return config.maxAllocations + config.maxConnections + OWN_DESCRIPTORS;
}
