/**
 * Runs a load child of this directory against a deployment's ports, taking
 * a sample of the deployment at each of the child's marks before letting it
 * go on (the signaling bench's mark protocol, ../signaling/ipc.ts).
 */
import type { Mark, MarkName, Result } from '../signaling/ipc.js';
import { forkChild, kill } from '../lib/children.js';
import type { Ports } from './clients.js';
import { LOAD_TIMEOUT_MS } from './params.js';

export interface LoadRun<R, S> {
  result: R;
  marks: Partial<Record<MarkName, S>>;
}

/** A send to a child that has died fails; the pending wait reports that child's exit instead. */
const ignoreSendError = (): void => {};

export async function runLoad<R, S>(
  file: string,
  ports: Ports,
  sample: (mark: Mark) => Promise<S>,
): Promise<LoadRun<R, S>> {
  const child = forkChild(new URL(file, import.meta.url), [String(ports.a), String(ports.b)]);
  const marks: LoadRun<R, S>['marks'] = {};
  try {
    const result = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${file} sent no result within ${LOAD_TIMEOUT_MS} ms`)),
        LOAD_TIMEOUT_MS,
      );
      child.on('message', (message: Mark | Result<R>) => {
        if (message.type === 'result') {
          clearTimeout(timer);
          resolve(message.result);
          return;
        }
        sample(message).then(
          (taken) => {
            marks[message.name] = taken;
            child.send({ type: 'marked' }, ignoreSendError);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${file} exited (${code ?? signal}) before its result`));
      });
    });
    return { result, marks };
  } finally {
    kill(child);
  }
}

export function marked<S>(marks: Partial<Record<MarkName, S>>, name: MarkName, where: string): S {
  const taken = marks[name];
  if (taken === undefined) throw new Error(`${where}: the load generator skipped the ${name} mark`);
  return taken;
}
