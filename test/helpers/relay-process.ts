/**
 * The relay as its own process (`turn/main.ts`), for tests that attack it:
 * listeners on 127.0.0.1, relay sockets on 127.0.0.2, listener ports read
 * back from its "listening" log line, relay ports from the one allocator
 * (ports.ts), metrics scraped over HTTP, and a legitimate
 * user's allocation and round trip to prove it still serves.
 */
import { createSocket } from 'node:dgram';
import { expect } from 'vitest';
import { NodeProcess, type Exit, type SpawnOptions } from './node-process.js';
import { RELAY_SECRET, type RelayOptions } from './relay.js';
import { portWindow, type PortWindow } from './ports.js';
import { issueTurnCredential } from '../../server/turn-credentials.js';
import { metric } from './metrics-text.js';
import { TurnClient, openTransport } from '../../turn/client/index.js';
import type { IceTransport, IceUrl } from '../../protocol/ice-url.js';

export interface RelayProcessPorts {
  udp: number;
  tcp: number;
  tls: number | undefined;
  metrics: number;
}

export class RelayProcess {
  private constructor(
    readonly process: NodeProcess,
    readonly ports: RelayProcessPorts,
    private readonly window: PortWindow,
  ) {}

  /**
   * Starts the relay and waits until it listens. `env` overrides the test
   * defaults; the relay port window is always the allocator's.
   */
  static async start(
    env: Record<string, string> = {},
    { relayPortCount = 50, ...options }: Omit<SpawnOptions, 'env'> & RelayOptions = {},
  ): Promise<RelayProcess> {
    const window = await portWindow(relayPortCount);
    const child = new NodeProcess('turn/main.ts', {
      ...options,
      env: {
        TURN_SECRET: RELAY_SECRET,
        TURN_LISTEN_HOST: '127.0.0.1',
        TURN_LISTEN_HOST6: '::1',
        TURN_PORT: '0',
        TURN_METRICS_PORT: '0',
        TURN_RELAY_ADDRESS: '127.0.0.2',
        TURN_ALLOWED_PEERS: '127.0.0.1/32',
        ...env,
        ...window.env,
      },
    });
    try {
      const line = await child.waitForLog('TURN relay listening');
      const tls = line.tls === undefined ? undefined : Number(line.tls);
      return new RelayProcess(
        child,
        { udp: Number(line.udp), tcp: Number(line.tcp), tls, metrics: Number(line.metrics) },
        window,
      );
    } catch (error) {
      child.child.kill('SIGKILL');
      window.release();
      throw error;
    }
  }

  /** The relay port window (TURN_MIN_PORT–TURN_MAX_PORT). */
  get relayPorts(): { min: number; max: number } {
    return { min: this.window.min, max: this.window.max };
  }

  get server(): { address: string; port: number } {
    return { address: '127.0.0.1', port: this.ports.udp };
  }

  credentials(user = 'tester', ttlSeconds = 600): { username: string; password: string } {
    const { username, password } = issueTurnCredential(RELAY_SECRET, ttlSeconds, user, Date.now());
    return { username, password };
  }

  /** One sample of the relay's /metrics; 0 when the series has no sample yet. */
  async metric(series: string): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${this.ports.metrics}/metrics`);
    return metric(await response.text(), series);
  }

  /**
   * A legitimate user, from `localAddress`, over `transport`: allocates,
   * reaches a UDP peer through the relay and hears back, then deletes its
   * allocation. Fails the test if any step does not work.
   */
  async assertServes(options: { user?: string; localAddress?: string; transport?: IceTransport } = {}): Promise<void> {
    const { user = 'legitimate', localAddress = '127.0.0.1', transport = 'UDP' } = options;
    const port = transport === 'TLS' ? this.ports.tls : this.ports.udp;
    if (port === undefined) throw new Error('the relay was started without TLS');
    const url: IceUrl = {
      url: `turn:127.0.0.1:${port}`,
      scheme: transport === 'TLS' ? 'turns' : 'turn',
      host: '127.0.0.1',
      port,
      transport,
      relay: true,
    };
    const session = new TurnClient(await openTransport(url, 3000, { insecure: true, localAddress }), {
      credentials: this.credentials(user),
      timeoutMs: 3000,
    });
    const peer = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
      const { relayed } = await session.allocate();
      const peerAddress = { family: 4 as const, address: '127.0.0.1', port: peer.address().port };
      await session.createPermission(peerAddress);
      const heard = new Promise<Buffer>((resolve) => peer.once('message', (data) => resolve(Buffer.from(data))));
      session.send(peerAddress, Buffer.from('ping'));
      expect((await withTimeout(heard, 3000, `the peer to hear the client over ${transport}`)).toString()).toBe('ping');
      const answered = new Promise<Buffer>((resolve) => session.onData((_from, data) => resolve(Buffer.from(data))));
      peer.send(Buffer.from('pong'), relayed.port, relayed.address);
      expect((await withTimeout(answered, 3000, `the client to hear the peer over ${transport}`)).toString()).toBe(
        'pong',
      );
      await session.release();
    } finally {
      session.close();
      peer.close();
    }
  }

  async stop(): Promise<Exit> {
    const exit = await this.process.stop();
    this.window.release();
    return exit;
  }
}

export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  pollMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
