/** Where the checkout is, whichever bench file asks: children, builds and git run from here. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A path inside the checkout. */
export const inRepo = (...parts: string[]): string => join(REPO_ROOT, ...parts);
