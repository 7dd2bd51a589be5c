/**
 * `npm test` checks the system packages it drives before it starts
 * (test/prerequisites.sh, run as "pretest"). Here it runs as a user who
 * cannot install them and on a PATH where the tools are not found, so it
 * must stop and say exactly what to install.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(path: string): Promise<Run> {
  // As root, drop to nobody: the check must not try to install as an ordinary user.
  const [command, args] =
    process.getuid?.() === 0
      ? ['runuser', ['-u', 'nobody', '--', 'env', '-i', `PATH=${path}`, '/bin/bash', 'test/prerequisites.sh']]
      : ['env', ['-i', `PATH=${path}`, '/bin/bash', 'test/prerequisites.sh']];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the test command’s system check', () => {
  it('passes silently on this machine, where every package is installed', async () => {
    const run = await runScript(process.env.PATH ?? '/usr/bin:/bin');
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('stops an ordinary user with one message naming each missing package once, and the command to install them', async () => {
    // No /usr/bin on the PATH: the coturn clients, openssl, curl, xz, prlimit, python3 and redis-server are not found
    // (sbin, haproxy's, still is).
    const run = await runScript('/nonexistent');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const named = 'coturn openssl curl xz-utils util-linux python3 redis-server';
    expect(run.stderr).toContain(`npm test needs system packages that are not installed: ${named}\n`);
    expect(run.stderr).toContain(`sudo apt-get install -y ${named}\n`);
  });
});
