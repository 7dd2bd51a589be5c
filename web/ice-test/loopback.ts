/**
 * A real relayed connection inside the page: two RTCPeerConnections, both
 * relay-only and given one TURN URL, a data channel between them, and pings
 * echoed back. If this connects, a relay-only call over that transport works
 * from this network; the round trips are what the relay adds.
 */
import type { IceUrl } from '../../protocol/ice-url.js';
import { percentile } from '../../protocol/stats.js';
import { readConnectionPath } from '../controllers/connection-path.js';

export interface LoopbackResult {
  url: string;
  transport: IceUrl['transport'];
  connected: boolean;
  /** Not tried, because gathering gave no relay candidate (that fault is the URL's verdict). */
  skipped?: boolean;
  /** From the offer to the data channel opening. */
  connectMs?: number;
  /** The selected pair as getStats reports it, e.g. relay over tls. */
  path?: { local: string; remote: string; protocol: string };
  rtt?: { medianMs: number; p95Ms: number; samples: number };
  error?: string;
}

export interface LoopbackOptions {
  timeoutMs: number;
  pings: number;
}

export async function loopback(
  url: IceUrl,
  server: RTCIceServer,
  { timeoutMs, pings }: LoopbackOptions,
): Promise<LoopbackResult> {
  const config: RTCConfiguration = { iceServers: [server], iceTransportPolicy: 'relay' };
  const caller = new RTCPeerConnection(config);
  const callee = new RTCPeerConnection(config);
  const result: LoopbackResult = { url: url.url, transport: url.transport, connected: false };
  try {
    // addIceCandidate rejects before the other side has its remote description or after it has
    // closed (a timeout); such a candidate is just not used, and the result reports the outcome.
    caller.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate) callee.addIceCandidate(candidate).catch(() => {});
    });
    callee.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate) caller.addIceCandidate(candidate).catch(() => {});
    });
    callee.addEventListener('datachannel', ({ channel }) =>
      channel.addEventListener('message', (event) => channel.send(event.data)),
    );
    const channel = caller.createDataChannel('ping');
    const started = performance.now();
    const open = new Promise<void>((resolve) => channel.addEventListener('open', () => resolve()));

    await caller.setLocalDescription();
    await callee.setRemoteDescription(caller.localDescription!);
    await callee.setLocalDescription();
    await caller.setRemoteDescription(callee.localDescription!);
    if (!(await within(open, timeoutMs))) {
      result.error = `no relayed connection within ${timeoutMs / 1000} s (ICE ${caller.iceConnectionState})`;
      return result;
    }
    result.connected = true;
    result.connectMs = Math.round(performance.now() - started);
    const path = await readConnectionPath(caller);
    if (path !== undefined) result.path = { local: path.local, remote: path.remote, protocol: path.protocol };
    result.rtt = await ping(channel, pings, timeoutMs);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    caller.close();
    callee.close();
  }
  return result;
}

/** Pings one at a time, so each round trip is measured alone. */
async function ping(channel: RTCDataChannel, count: number, timeoutMs: number): Promise<LoopbackResult['rtt']> {
  const rtts: number[] = [];
  for (let seq = 0; seq < count; seq++) {
    const sent = performance.now();
    const echoed = new Promise<void>((resolve) => {
      const onMessage = (event: MessageEvent) => {
        if (event.data !== String(seq)) return;
        channel.removeEventListener('message', onMessage);
        resolve();
      };
      channel.addEventListener('message', onMessage);
    });
    channel.send(String(seq));
    if (await within(echoed, timeoutMs)) rtts.push(performance.now() - sent);
  }
  const at = (fraction: number) => (rtts.length === 0 ? 0 : Math.round(percentile(rtts, fraction) * 10) / 10);
  return { medianMs: at(0.5), p95Ms: at(0.95), samples: rtts.length };
}

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    promise.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return result;
}
