/**
 * `npm start`: the signaling server, and the bundled TURN relay beside it
 * unless TURN_URLS points at another relay. Two processes, so that a crash
 * of one is contained: it is restarted (supervisor.ts) while the other keeps
 * serving. A bad configuration of any of the three stops the launch before
 * anything starts, reported at once.
 *
 * The launcher exits by letting its event loop drain, never by
 * process.exit(): a timer or child left behind shows as a launcher that does
 * not exit, which the tests would catch.
 */
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { planLaunch } from './config.js';
import { configurationReport } from './preflight.js';
import { Supervisor, type ChildSpec } from './supervisor.js';

const plan = planLaunch(process.env);
// Built (dist/…/main.js) or from source through tsx (…/main.ts, with the loader in execArgv).
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const here = (file: string) => fileURLToPath(new URL(`${file}${extension}`, import.meta.url));

const server: ChildSpec = {
  name: 'server',
  script: here('../server/main'),
  env: { ...process.env, ...plan.sharedEnv, ...plan.serverEnv },
};
const relay: ChildSpec | undefined = plan.bundledRelay
  ? { name: 'turn', script: here('../turn/main'), env: { ...process.env, ...plan.sharedEnv } }
  : undefined;

// Plain text on stderr, like the children's own configuration errors (docs/configuration.md).
const report = configurationReport(plan.problems, server.env, relay?.env);
if (report.length > 0) {
  process.stderr.write(`${report.join('\n')}\n`);
  process.exitCode = 1;
} else {
  run([...(relay === undefined ? [] : [relay]), server]);
}

function run(children: ChildSpec[]): void {
  const log = pino({ level: plan.logLevel }).child({ service: 'launcher' });
  const supervisors = children.map((spec) => new Supervisor(spec, plan.restart, log, () => shutdown('SIGTERM', 1)));

  let shuttingDown = false;
  /** Every call passes `signal` on; the first one decides the exit code, unless a child had to be killed. */
  function shutdown(signal: NodeJS.Signals, exitCode: number): void {
    const first = !shuttingDown;
    shuttingDown = true;
    if (first) log.info({ signal }, 'shutting down');
    const all = Promise.all(supervisors.map((supervisor) => supervisor.stop(signal)));
    if (!first) return;
    process.exitCode = exitCode;
    void all.then(() => {
      if (supervisors.some((supervisor) => supervisor.killed)) process.exitCode = 1;
      log.info('stopped');
    });
  }
  // SIGHUP too: the children have their own process group (supervisor.ts), so a closed
  // terminal's hangup reaches only the launcher, which must not leave them behind.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal, 0));

  if (plan.generatedSecrets.length > 0)
    log.info({ secrets: plan.generatedSecrets }, 'secrets not set; generated for this run');
  for (const supervisor of supervisors) supervisor.start();
}
