/**
 * What every lab of network namespaces shares: its name prefix, the
 * processes it starts inside them, and a teardown that always leaves nothing
 * behind, whichever lab it is (the IPv4 NAT lab in lab.ts, the IPv6 one in
 * lab6.ts). Nothing here touches a namespace that is not a lab's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inNamespace, must, run, startIn, type LabProcess, type RunOptions, type RunResult } from './shell.js';

/** Every lab namespace is `vcnat-<pid of the test process>-…`. */
export const PREFIX = 'vcnat-';

export abstract class NamespaceLab {
  private readonly processes = new Set<LabProcess>();

  protected constructor(
    readonly id: string,
    /** A scratch directory for this lab's files (certificates, configs, wrappers). */
    readonly dir: string,
  ) {}

  /** A fresh name (`vcnat-<pid>-<tag><random>`) and scratch directory for a lab. */
  protected static async place(tag = ''): Promise<{ id: string; dir: string }> {
    return {
      id: `${PREFIX}${process.pid}-${tag}${Math.random().toString(36).slice(2, 6)}`,
      dir: await mkdtemp(join(tmpdir(), PREFIX)),
    };
  }

  /** Builds `lab`, or tears down whatever was made and rethrows: a lab is whole or gone. */
  protected static async assemble<T extends NamespaceLab>(lab: T): Promise<T> {
    try {
      await lab.create();
    } catch (error) {
      await lab.teardown();
      throw error;
    }
    return lab;
  }

  /** Every namespace of this lab, as it stands now. */
  abstract namespaces(): string[];

  protected abstract create(): Promise<void>;

  /** Runs a command to its end inside `ns`. */
  exec(ns: string, command: string, args: string[], options?: RunOptions): Promise<RunResult> {
    const [ip, ipArgs] = inNamespace(ns, command, args);
    return run(ip, ipArgs, options);
  }

  /** A long-lived process inside `ns`, stopped by the lab's teardown if nobody stopped it before. */
  start(
    ns: string,
    command: string,
    args: string[],
    options: { env?: Record<string, string>; cwd?: string } = {},
  ): LabProcess {
    const started = startIn(ns, command, args, options);
    this.processes.add(started);
    started.child.once('exit', () => this.processes.delete(started));
    return started;
  }

  /** Stops everything the lab started, deletes its namespaces (their interfaces go with them) and its files. */
  async teardown(): Promise<void> {
    await Promise.all([...this.processes].map((started) => started.stop(5_000)));
    const existing = new Set(await listNamespaces());
    for (const ns of this.namespaces()) if (existing.has(ns)) await deleteNamespace(ns);
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function ipBatch(ns: string, commands: string[]): Promise<void> {
  await must('ip', ['-n', ns, '-batch', '-'], { input: `${commands.join('\n')}\n` });
}

async function listNamespaces(): Promise<string[]> {
  const listed = await must('ip', ['netns', 'list']);
  return listed
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
}

/** Labs whose test process has died (a crash, a SIGKILL) are removed; a live process's lab is left alone. */
export async function removeStaleLabs(): Promise<void> {
  for (const ns of await listNamespaces()) {
    const pid = Number(/^vcnat-(\d+)-/.exec(ns)?.[1]);
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    await deleteNamespace(ns);
  }
}

/** Ends what still runs inside one of our namespaces (only a lab starts processes there), then deletes it. */
async function deleteNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]);
  for (const pid of pids.stdout
    .split('\n')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await must('ip', ['netns', 'del', ns]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
