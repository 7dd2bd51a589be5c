/**
 * One child of the launcher, kept running. After an exit the launcher did
 * not ask for, the child is started again after a wait that doubles with
 * each quick failure (initialDelayMs up to maxDelayMs) and starts over once
 * the child has stayed up for stableAfterMs.
 *
 * Giving up is kept for a child that has failed quickly at every start since
 * `npm start` (a port taken, an unreadable TLS key): retrying will not fix
 * that, and the operator hears of it through a non-zero exit. A child that
 * has been stable once is restarted for as long as it keeps crashing, since
 * giving up there would let anyone who can crash the relay with a packet
 * take the signaling server down with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { RestartPolicy } from './config.js';

export interface ChildSpec {
  /** How the logs name it: 'server', 'turn'. */
  name: string;
  script: string;
  env: Record<string, string | undefined>;
}

export class Supervisor {
  private child: ChildProcess | undefined;
  /** Settles when the current child has exited (at once when none runs). */
  private exited: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** Exits in a row, each before the child became stable. */
  private failures = 0;
  private everStable = false;
  private stopping = false;
  /** A child had to be killed after stopTimeoutMs. */
  killed = false;

  constructor(
    private readonly spec: ChildSpec,
    private readonly policy: RestartPolicy,
    private readonly log: Logger,
    private readonly onGiveUp: () => void,
  ) {}

  start(): void {
    const child = spawn(process.execPath, [...process.execArgv, this.spec.script], {
      env: this.spec.env,
      stdio: 'inherit',
      // Its own process group, so that a Ctrl-C in a terminal reaches the launcher only, which
      // passes it on once; in the terminal's group each child got it twice and took the second
      // one as "exit now", skipping its graceful shutdown.
      detached: true,
    });
    this.child = child;
    this.exited = new Promise((resolve) => {
      let settled = false;
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        resolve();
        this.onExit(child.pid, code, signal);
      };
      child.on('exit', onExit);
      child.on('error', (err) => {
        if (child.pid !== undefined) {
          this.log.warn({ err, child: this.spec.name }, 'could not signal child');
        } else {
          // It never ran, and an 'exit' may not follow.
          this.log.error({ err, child: this.spec.name }, 'could not start child');
          onExit(null, null);
        }
      });
    });
    this.stableTimer = setTimeout(() => this.onStable(), this.policy.stableAfterMs);
    this.log.info({ child: this.spec.name, childPid: child.pid }, 'child started');
  }

  /**
   * Cancels a pending restart and passes `signal` to the running child (again
   * on a second call: the children take a second signal as "exit now"); one
   * still running after stopTimeoutMs is killed. Settles once no child of
   * this supervisor runs.
   */
  stop(signal: NodeJS.Signals): Promise<void> {
    this.stopping = true;
    clearTimeout(this.stableTimer);
    if (this.restartTimer !== undefined) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      this.log.info({ child: this.spec.name }, 'restart cancelled');
    }
    const child = this.child;
    if (child === undefined) return this.exited;
    child.kill(signal);
    this.killTimer ??= setTimeout(() => {
      this.killed = true;
      this.log.error(
        { child: this.spec.name, childPid: child.pid, stopTimeoutMs: this.policy.stopTimeoutMs },
        'child did not stop in time; killing it',
      );
      child.kill('SIGKILL');
    }, this.policy.stopTimeoutMs);
    return this.exited;
  }

  private onExit(childPid: number | undefined, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.stableTimer);
    clearTimeout(this.killTimer);
    this.killTimer = undefined;
    this.child = undefined;
    const name = this.spec.name;
    if (this.stopping) {
      this.log.info({ child: name, childPid, code, signal }, 'child stopped');
      return;
    }
    this.failures += 1;
    if (!this.everStable && this.failures > this.policy.maxRestarts) {
      this.log.fatal(
        { child: name, childPid, code, signal, restarts: this.failures - 1 },
        'child keeps failing; giving up',
      );
      this.onGiveUp();
      return;
    }
    const restartInMs = Math.min(this.policy.initialDelayMs * 2 ** (this.failures - 1), this.policy.maxDelayMs);
    this.log.error(
      { child: name, childPid, code, signal, restartInMs, failures: this.failures },
      'child exited; restarting',
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, restartInMs);
  }

  private onStable(): void {
    this.stableTimer = undefined;
    // From here a crash waits initialDelayMs again, and never makes the launcher give up.
    this.log.info(
      { child: this.spec.name, upMs: this.policy.stableAfterMs, failuresBefore: this.failures },
      'child stable',
    );
    this.failures = 0;
    this.everStable = true;
  }
}
