/**
 * docker-compose.yml run by Debian's docker-compose (1.29) against the engine
 * behind DOCKER_HOST, as an operator runs it, with a test's own .env: its own
 * project name, free ports, a small relay range, and every variable the
 * compose file reads set explicitly, so that neither this shell's
 * environment nor a .env in the repository leaks in.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, dockerHost } from './engine.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
/** The tag the tests build the image under, so an operator's `latest` is never touched. */
export const TEST_VERSION = 'compose-test';

/** Every `${NAME…}` docker-compose.yml interpolates. */
export function composeVariables(): string[] {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  return [...new Set([...text.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] as string))].sort();
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs docker-compose with a clean environment: only what it needs to find the engine. */
export function dockerCompose(
  args: string[],
  timeoutMs = 300_000,
  extraEnv: Record<string, string> = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker-compose', args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        DOCKER_HOST: dockerHost(),
        // Build through the engine's API, not a docker CLI that may or may not be installed.
        COMPOSE_DOCKER_CLI_BUILD: '0',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`docker-compose could not run (${error.message}): run test/compose/install.sh`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

interface Inspected {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; ExitCode: number; Health?: { Status: string } };
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    NetworkMode: string;
    RestartPolicy: { Name: string };
    CapDrop?: string[] | null;
    PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
  };
}

export class ComposeStack {
  private constructor(
    readonly project: string,
    readonly env: Record<string, string>,
    private readonly files: string[],
    private readonly envFile: string,
  ) {}

  /** `env` on top of an empty value for every variable the compose file reads. */
  static async create(project: string, env: Record<string, string>, overrides: string[] = []): Promise<ComposeStack> {
    const dir = await mkdtemp(join(tmpdir(), `${project}-`));
    const full: Record<string, string> = Object.fromEntries(composeVariables().map((name) => [name, '']));
    Object.assign(full, { VERSION: TEST_VERSION }, env);
    const envFile = join(dir, '.env');
    await writeFile(
      envFile,
      Object.entries(full)
        .map(([name, value]) => `${name}=${value}\n`)
        .join(''),
    );
    return new ComposeStack(project, full, [COMPOSE_FILE, ...overrides], envFile);
  }

  async run(args: string[], timeoutMs?: number): Promise<RunResult> {
    const files = this.files.flatMap((file) => ['-f', file]);
    return dockerCompose([...files, '-p', this.project, '--env-file', this.envFile, ...args], timeoutMs);
  }

  async runOk(args: string[], timeoutMs?: number): Promise<string> {
    const result = await this.run(args, timeoutMs);
    if (result.code !== 0)
      throw new Error(`docker-compose ${args.join(' ')} exited ${result.code}:\n${result.output.slice(-4000)}`);
    return result.output;
  }

  /** The ids of `service`'s containers (one per replica), as `docker compose ps -q` lists them. */
  async containerIds(service: string): Promise<string[]> {
    return (await this.runOk(['ps', '-q', service]))
      .trim()
      .split('\n')
      .filter((id) => id !== '');
  }

  /** The running container of `service` (its last replica), as the engine reports it. */
  async inspect(service: string): Promise<Inspected> {
    const id = (await this.containerIds(service)).at(-1);
    if (id === undefined) throw new Error(`no container for ${service}`);
    return this.inspectId(id, service);
  }

  async inspectId(id: string, what = id): Promise<Inspected> {
    const { status, body } = await api<Inspected>(`/containers/${id}/json`);
    if (status !== 200) throw new Error(`inspecting ${what} (${id}): ${status}`);
    return body;
  }

  /**
   * Waits until every container of every service (each replica of a scaled
   * one, at least `replicas` of them) is running and healthy; throws with
   * their logs if one is not.
   */
  async waitHealthy(services: string[], timeoutMs = 120_000, replicas = 1): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<string, string>();
    const state = async (service: string): Promise<string> => {
      const ids = await this.containerIds(service);
      if (ids.length < replicas) return `${ids.length} of ${replicas} containers`;
      const states = await Promise.all(
        ids.map((id) =>
          this.inspectId(id, service).then((container) =>
            container.State.Running ? (container.State.Health?.Status ?? 'no healthcheck') : container.State.Status,
          ),
        ),
      );
      return states.find((one) => one !== 'healthy') ?? 'healthy';
    };
    for (const service of services) {
      for (;;) {
        const now = await state(service).catch((error: Error) => error.message);
        last.set(service, now);
        if (now === 'healthy') break;
        if (Date.now() > deadline) {
          const logs = await this.run(['logs', '--no-color', '--tail', '40', ...services]);
          throw new Error(
            `not healthy within ${timeoutMs} ms: ${JSON.stringify(Object.fromEntries(last))}\n${logs.output}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** The services that have a running container in this project, sorted. */
  async runningServices(): Promise<string[]> {
    const filters = encodeURIComponent(
      JSON.stringify({ label: [`com.docker.compose.project=${this.project}`], status: ['running'] }),
    );
    const { body } = await api<Array<{ Labels: Record<string, string> }>>(`/containers/json?filters=${filters}`);
    return body.map((container) => container.Labels['com.docker.compose.service'] ?? '?').sort();
  }

  /** Volumes labelled as this project's. */
  async volumes(): Promise<string[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${this.project}`] }));
    const { body } = await api<{ Volumes: Array<{ Name: string }> | null }>(`/volumes?filters=${filters}`);
    return (body.Volumes ?? []).map((volume) => volume.Name).sort();
  }

  async logs(service: string): Promise<string> {
    return this.runOk(['logs', '--no-color', service]);
  }

  async down(): Promise<void> {
    await this.runOk(['down', '--volumes', '--remove-orphans', '--timeout', '20']);
  }
}
