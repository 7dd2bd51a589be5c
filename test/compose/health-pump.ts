/**
 * Runs containers' healthchecks where nothing else would. Podman schedules
 * them with systemd timers, and this machine has no systemd: without this,
 * every container stays `starting` for ever and `depends_on: condition:
 * service_healthy` never lets compose go on. Docker (and podman under
 * systemd) needs none of it.
 *
 * Like the engines' schedulers: a container still starting (or unhealthy) is
 * checked every second, a healthy one every HEALTHY_EVERY_MS.
 */
import { api } from './engine.js';

const TICK_MS = 1_000;
const HEALTHY_EVERY_MS = 10_000;

interface Listed {
  Id: string;
}

export interface HealthPump {
  stop(): Promise<void>;
}

export function startHealthPump(): HealthPump {
  const lastRun = new Map<string, number>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function tick(): Promise<void> {
    const list = async (health: string[]) => {
      const filters = encodeURIComponent(JSON.stringify({ health, status: ['running'] }));
      return (await api<Listed[]>(`/containers/json?filters=${filters}`)).body;
    };
    const now = Date.now();
    const healthy = (await list(['healthy'])).filter(
      (container) => now - (lastRun.get(container.Id) ?? 0) >= HEALTHY_EVERY_MS,
    );
    const due = [...(await list(['starting', 'unhealthy'])), ...healthy];
    await Promise.all(
      due.map(async (container) => {
        lastRun.set(container.Id, now);
        // podman's libpod API runs the check now and records its result.
        await api(`/v4.0.0/libpod/containers/${container.Id}/healthcheck`, 'GET', 10_000).catch(() => undefined);
      }),
    );
  }

  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : tick().catch(() => undefined)));
  }, TICK_MS);

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
