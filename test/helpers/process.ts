/**
 * Runs server/main.ts as a real process (through tsx), the way `npm start`
 * does after its build, and finds the port it listens on from its log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  stdout: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function runMain(env: Record<string, string>): { child: ChildProcess; exited: ServerProcess['exited']; stdout: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', STATIC_DIR: '/nonexistent-static-dir', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(...chunk.toString().split('\n').filter(Boolean)));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited, stdout };
}

export async function startMain(env: Record<string, string> = {}): Promise<ServerProcess> {
  const run = runMain(env);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const line = run.stdout.find((row) => row.includes('Server listening at http://127.0.0.1:'));
    if (line !== undefined) {
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
      return { ...run, port };
    }
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  run.child.kill('SIGKILL');
  throw new Error(`server did not start: ${(await run.exited).stderr}`);
}
