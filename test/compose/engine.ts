/**
 * The container engine the compose tests drive: whatever DOCKER_HOST points
 * at (podman's Docker-compatible API socket here, by default), reached
 * through its HTTP API on a Unix socket.
 */
import { request } from 'node:http';
import { existsSync } from 'node:fs';

export const DEFAULT_DOCKER_HOST = 'unix:///run/podman/podman.sock';

/** DOCKER_HOST for every client the tests start (docker-compose, testcontainers). */
export function dockerHost(): string {
  return process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
}

function socketPath(): string {
  const host = dockerHost();
  if (!host.startsWith('unix://')) throw new Error(`DOCKER_HOST must be a unix:// socket for these tests, got ${host}`);
  return host.slice('unix://'.length);
}

export async function api<T>(path: string, method = 'GET', timeoutMs = 30_000): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socketPath(), path, method, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Plain-text answers (/_ping says OK) stay text.
        }
        resolve({ status: res.statusCode ?? 0, body: body as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface Engine {
  name: string;
  version: string;
  /** Podman without systemd never runs healthchecks on its own (see health-pump.ts). */
  podman: boolean;
}

/** The engine behind DOCKER_HOST, or an error that says how to get one. */
export async function connectEngine(): Promise<Engine> {
  const path = socketPath();
  const hint =
    'run test/compose/install.sh (as root): it installs podman and docker-compose and starts `podman system service`';
  if (!existsSync(path)) throw new Error(`no container engine: ${path} does not exist; ${hint}`);
  const ping = await api<string>('/_ping', 'GET', 5_000).catch((error: Error) => {
    throw new Error(`no container engine answers on ${path} (${error.message}); ${hint}`);
  });
  if (ping.status !== 200)
    throw new Error(`the container engine on ${path} answered /_ping with ${ping.status}; ${hint}`);
  const { body } = await api<{ Version: string; Components?: Array<{ Name: string; Version: string }> }>('/version');
  const podman = body.Components?.find((component) => component.Name === 'Podman Engine');
  return {
    name: podman === undefined ? 'Docker' : 'Podman',
    version: podman?.Version ?? body.Version,
    podman: podman !== undefined,
  };
}
