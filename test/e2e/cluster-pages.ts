/**
 * What a cluster test needs to see inside a call page beyond the element's
 * events: the signaling wire (which server each socket went to, the frames it
 * got, how it closed), every RTCPeerConnection's states (a call that survives
 * a node's death must keep the one it had), and remote frames decoded,
 * sampled in the page on a fixed period so that a stall shows as a gap.
 * The recorders wrap the page's WebSocket and RTCPeerConnection before any
 * page script runs; the element uses them unchanged.
 */
import type { Browser, Page } from 'playwright-core';
import { openPage } from './browser.js';

export interface WireSocket {
  url: string;
  /** The close code, once closed. */
  closed?: number;
  /** performance.now() at the close. */
  closedAt?: number;
}

export interface WireFrame {
  /** Index into the page's sockets. */
  socket: number;
  /** performance.now() when it arrived. */
  at: number;
  message: { type: string } & Record<string, unknown>;
}

export interface Wire {
  sockets: WireSocket[];
  frames: WireFrame[];
}

export interface FrameSample {
  /** performance.now() when getStats() answered. */
  at: number;
  /** inbound-rtp video framesDecoded; 0 when the element has no connection to that peer. */
  frames: number;
}

interface Recorded {
  __wire: Wire;
  /** Per RTCPeerConnection created, its connectionState history from `new`. */
  __connections: string[][];
  __samples?: FrameSample[];
  __sampler?: ReturnType<typeof setInterval>;
}

/** Runs in the page before its scripts: self-contained, as addInitScript serializes it. */
function record(): void {
  const wire: Wire = { sockets: [], frames: [] };
  const connections: string[][] = [];
  Object.assign(window, { __wire: wire, __connections: connections });
  const NativeWebSocket = window.WebSocket;
  class RecordedWebSocket extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const socket = wire.sockets.push({ url: String(url) }) - 1;
      this.addEventListener('message', (event: MessageEvent) => {
        if (typeof event.data === 'string')
          wire.frames.push({ socket, at: performance.now(), message: JSON.parse(event.data) as WireFrame['message'] });
      });
      this.addEventListener('close', (event: CloseEvent) => {
        Object.assign(wire.sockets[socket] ?? {}, { closed: event.code, closedAt: performance.now() });
      });
    }
  }
  const NativePeerConnection = window.RTCPeerConnection;
  class RecordedPeerConnection extends NativePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      const states = ['new'];
      connections.push(states);
      this.addEventListener('connectionstatechange', () => states.push(this.connectionState));
    }
  }
  window.WebSocket = RecordedWebSocket;
  window.RTCPeerConnection = RecordedPeerConnection;
}

/** openPage (own context, vc-* events recorded) with the wire and the peer connections recorded too. */
export function openRecordedPage(browser: Browser, url: string, name: string): Promise<Page> {
  return openPage(browser, url, name, record);
}

export function wire(page: Page): Promise<Wire> {
  return page.evaluate(() => (window as unknown as Recorded).__wire);
}

/** Each RTCPeerConnection the page created, with every connectionState it went through. */
export function connectionStates(page: Page): Promise<string[][]> {
  return page.evaluate(() => (window as unknown as Recorded).__connections);
}

/** The `welcome` frames the page got, with the socket each came on. */
export async function welcomes(page: Page): Promise<WireFrame[]> {
  return (await wire(page)).frames.filter(({ message }) => message.type === 'welcome');
}

/** Waits until the page's `count`-th welcome arrived (a rejoin is the second); on timeout, says what came instead. */
export async function waitForWelcome(page: Page, count: number, timeout: number): Promise<WireFrame> {
  try {
    await page.waitForFunction(
      (count) =>
        (window as unknown as Recorded).__wire.frames.filter(({ message }) => message.type === 'welcome').length >=
        count,
      count,
      { timeout, polling: 50 },
    );
  } catch (error) {
    const { sockets, frames } = await wire(page);
    const got = frames.filter(({ message }) => message.type !== 'signal');
    throw new Error(
      `no welcome number ${count} within ${timeout} ms; sockets ${JSON.stringify(sockets)}, frames but signals ${JSON.stringify(got)}`,
      { cause: error },
    );
  }
  return (await welcomes(page))[count - 1] as WireFrame;
}

/** Starts sampling framesDecoded from `peerId` every `periodMs`, in the page, until stopSampling(). */
export async function startSampling(page: Page, peerId: string, periodMs: number): Promise<void> {
  await page.evaluate(
    ({ peerId, periodMs }) => {
      const state = window as unknown as Recorded;
      const samples: FrameSample[] = [];
      state.__samples = samples;
      let busy = false;
      state.__sampler = setInterval(() => {
        // A getStats() slower than the period must not pile up behind it: that sample is skipped, and the gap shows.
        if (busy) return;
        busy = true;
        void (async () => {
          const report = await document.querySelector('video-call')?.getStats(peerId);
          let frames = 0;
          report?.forEach((stat: { type: string; kind?: string; framesDecoded?: number }) => {
            if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
          });
          samples.push({ at: performance.now(), frames });
          busy = false;
        })();
      }, periodMs);
    },
    { peerId, periodMs },
  );
}

export function stopSampling(page: Page): Promise<FrameSample[]> {
  return page.evaluate(() => {
    const state = window as unknown as Recorded;
    clearInterval(state.__sampler);
    return state.__samples ?? [];
  });
}

/** The page's clock now, to place test-side moments (a SIGTERM) among its samples and frames. */
export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

export interface Stalls {
  /**
   * The longest time the page saw no new frame: from a sample that saw new
   * ones to a later sample that still saw none since. A sampler the busy
   * page ran late does not count as a stall when frames came meanwhile.
   */
  longest: number;
  /** Where the counter went down: the stream was replaced, or its connection is gone. */
  drops: Array<[FrameSample, FrameSample]>;
}

/** Reads a sampled stream: how long it went without a new decoded frame, and whether it restarted. */
export function stalls(samples: FrameSample[]): Stalls {
  const drops: Array<[FrameSample, FrameSample]> = [];
  let longest = 0;
  let lastRise = samples[0];
  for (let index = 1; index < samples.length; index++) {
    const previous = samples[index - 1] as FrameSample;
    const sample = samples[index] as FrameSample;
    if (sample.frames < previous.frames) drops.push([previous, sample]);
    if (sample.frames > previous.frames) lastRise = sample;
    else longest = Math.max(longest, sample.at - (lastRise?.at ?? sample.at));
  }
  return { longest, drops };
}
