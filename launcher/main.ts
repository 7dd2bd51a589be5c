/**
 * `npm start`: the signaling server, and the bundled TURN relay beside it
 * unless TURN_URLS points at another relay. Two processes, so a crash in
 * one is visible and each can be deployed alone; when either exits, the
 * other is stopped and the launcher exits with the failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { planLaunch } from './config.js';

const plan = planLaunch(process.env);
// Built (dist/…/main.js) or from source through tsx (…/main.ts, with the loader in execArgv).
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const here = (file: string) => fileURLToPath(new URL(`${file}${extension}`, import.meta.url));

function start(name: string, script: string, extraEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, script], { env: { ...process.env, ...extraEnv }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`launcher: ${name} exited (${signal ?? code}); stopping the rest\n`);
    stop('SIGTERM', code === 0 ? 1 : (code ?? 1));
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
function stop(signal: NodeJS.Signals, exitCode = 0): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

if (plan.bundledRelay) {
  if (plan.generatedSecret) process.stderr.write('launcher: TURN_SECRET not set; generated one for this run\n');
  children.push(start('turn', here('../turn/main'), plan.sharedEnv));
}
children.push(start('server', here('../server/main'), { ...plan.sharedEnv, ...plan.serverEnv }));
