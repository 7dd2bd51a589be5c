/**
 * Headless Chromium inside a client namespace, and what the lab reads from
 * its call page. Playwright talks to the browser over pipes, so a wrapper
 * that execs it through `ip netns exec` is all it takes: the browser, and
 * every socket it opens, live behind that home's router.
 *
 * The page code here is typed without the DOM library (this directory is
 * type-checked with the server's settings), through the small `PageScope`
 * view of the page's globals.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.js';
import type { HomeName, NatLab } from './lab.js';
import { SERVER_ORIGIN } from './services.js';

export async function launchIn(lab: NatLab, home: HomeName, flags: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  if (!existsSync('web/dist/room.html')) throw new Error('web/dist is not built: run npm run build:web');
  const wrapper = join(lab.dir, `chromium-${home}`);
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${lab.clientNs(home)}' ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  return chromium.launch({
    executablePath: wrapper,
    headless: true,
    // The call page is plain http from the public namespace; camera and microphone need a secure context.
    args: [...CHROMIUM_FLAGS, '--autoplay-policy=no-user-gesture-required', `--unsafely-treat-insecure-origin-as-secure=${SERVER_ORIGIN}`, ...flags],
  });
}

export type RecordedEvent = [string, Record<string, unknown>];

/** Every RTCPeerConnection the page made: its connectionState history and the types of the candidates it gathered. */
export interface PeerConnectionRecord {
  states: string[];
  candidates: string[];
}

interface PeerConnectionLike {
  connectionState: string;
  addEventListener(type: string, listener: (event: { candidate?: { type?: string | null } | null }) => void): void;
}

interface VideoCallLike {
  getAttribute(name: string): string | null;
  getStats(peerId: string): Promise<{ forEach(callback: (stat: { type: string; kind?: string; framesDecoded?: number }) => void): void } | undefined>;
  shadowRoot: { querySelectorAll(selector: string): Iterable<{ videoWidth: number }> } | null;
}

interface PageScope {
  __vcEvents: RecordedEvent[];
  __peerConnections: PeerConnectionRecord[];
  RTCPeerConnection: new (...args: unknown[]) => PeerConnectionLike;
  localStorage: { setItem(key: string, value: string): void };
  addEventListener(type: string, listener: (event: { detail: Record<string, unknown> }) => void): void;
  document: { querySelector(selector: 'video-call'): VideoCallLike | null };
}

/** Runs in the page before its scripts: records vc-* events and every peer connection's states and gathered candidates. */
function instrument(name: string): void {
  const scope = globalThis as unknown as PageScope;
  scope.localStorage.setItem('vc-name', name);
  const events: RecordedEvent[] = [];
  scope.__vcEvents = events;
  for (const type of ['vc-joined', 'vc-peer-joined', 'vc-peer-left', 'vc-connection', 'vc-state', 'vc-error', 'vc-left']) {
    scope.addEventListener(type, (event) => events.push([type, event.detail]));
  }
  const records: PeerConnectionRecord[] = [];
  scope.__peerConnections = records;
  const Native = scope.RTCPeerConnection;
  scope.RTCPeerConnection = class extends Native {
    constructor(...args: unknown[]) {
      super(...args);
      const record: PeerConnectionRecord = { states: [], candidates: [] };
      records.push(record);
      this.addEventListener('connectionstatechange', () => record.states.push(this.connectionState));
      this.addEventListener('icecandidate', (event) => {
        if (typeof event.candidate?.type === 'string') record.candidates.push(event.candidate.type);
      });
    }
  };
}

/** Opens the server's call page for `room` in a fresh context of `browser`. */
export async function openCall(browser: Browser, room: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 960, height: 640 } });
  const page = await context.newPage();
  await page.addInitScript(instrument, name);
  page.on('pageerror', (error) => console.error(`[page ${name}] ${error.message}`));
  await page.goto(`${SERVER_ORIGIN}/r/${room}`, { timeout: 30_000 });
  return page;
}

export function events(page: Page, type: string): Promise<RecordedEvent[]> {
  return page.evaluate((wanted) => (globalThis as unknown as PageScope).__vcEvents.filter(([t]) => t === wanted), type);
}

export function peerConnections(page: Page): Promise<PeerConnectionRecord[]> {
  return page.evaluate(() => (globalThis as unknown as PageScope).__peerConnections);
}

export async function waitForState(page: Page, state: string, timeout: number): Promise<void> {
  await page.waitForFunction((wanted) => (globalThis as unknown as PageScope).document.querySelector('video-call')?.getAttribute('state') === wanted, state, {
    timeout,
  });
}

/** The first vc-connection whose path is `path` and, unless the path is a relay, whose candidates are settled (no prflx left). */
export async function waitForPath(page: Page, path: string, timeout: number): Promise<Record<string, unknown>> {
  const handle = await page.waitForFunction(
    (wanted) =>
      (globalThis as unknown as PageScope).__vcEvents.find(
        ([type, detail]) => type === 'vc-connection' && detail.path === wanted && (wanted === 'relay' || detail.settled === true),
      )?.[1],
    path,
    { timeout },
  );
  return (await handle.jsonValue()) as Record<string, unknown>;
}

/** Waits until one of the page's peer connections has given up (connectionState `failed`: every candidate pair failed). */
export async function waitForIceFailure(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as PageScope).__peerConnections.some((pc) => pc.states.includes('failed')), undefined, {
    timeout,
    polling: 500,
  });
}

/**
 * Media really decodes: the remote tile shows a video, and the video frames
 * decoded from `peerId` (the element's public getStats) grow by 20 from the
 * first look.
 */
export async function expectFramesDecoding(page: Page, peerId: string, timeout: number): Promise<void> {
  await page.waitForFunction(
    async (id) => {
      const scope = globalThis as unknown as PageScope & { __framesAtStart?: Record<string, number> };
      const call = scope.document.querySelector('video-call');
      const videos = [...(call?.shadowRoot?.querySelectorAll('[part~="remote-tile"] video') ?? [])];
      if (videos.length !== 1 || videos.some((video) => video.videoWidth === 0)) return false;
      let frames = 0;
      (await call?.getStats(id))?.forEach((stat) => {
        if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
      });
      const start = (scope.__framesAtStart ??= {});
      start[id] ??= frames;
      return frames >= (start[id] ?? frames) + 20;
    },
    peerId,
    { timeout, polling: 250 },
  );
}
