/**
 * Real Chromium (Debian's, driven by playwright-core) with fake camera and
 * microphone, and helpers to open call pages and read what a user would see.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { freshContext, launchChromium, openPageIn, requireChromium, type LaunchOptions } from '../helpers/browser.js';

export { waitForState, type LaunchOptions } from '../helpers/browser.js';

export async function launch(options: LaunchOptions = {}): Promise<Browser> {
  requireChromium();
  if (!existsSync('web/dist/video-call.js')) throw new Error('web/dist is not built: run npm run build:web');
  return launchChromium(options);
}

export type RecordedEvent = [string, Record<string, unknown>];

/** A page in its own browser context (its own devices and storage), recording every vc-* event. */
export async function openPage(
  browser: Browser,
  url: string,
  name?: string,
  before?: (() => void) | Array<() => void>,
): Promise<Page> {
  const context = await freshContext(browser);
  return openPageIn(context, url, name ?? url, async (page) => {
    for (const script of [before ?? []].flat()) await page.addInitScript(script);
    await page.addInitScript((displayName) => {
      if (displayName !== null) localStorage.setItem('vc-name', displayName);
      const events: Array<[string, unknown]> = [];
      Object.assign(window, { __vcEvents: events });
      for (const type of [
        'vc-joined',
        'vc-peer-joined',
        'vc-peer-left',
        'vc-connection',
        'vc-state',
        'vc-error',
        'vc-left',
      ]) {
        addEventListener(type, (event) => events.push([type, (event as CustomEvent).detail]));
      }
    }, name ?? null);
  });
}

export function events(page: Page, type?: string): Promise<RecordedEvent[]> {
  return page.evaluate(
    (wanted) =>
      (window as unknown as { __vcEvents: RecordedEvent[] }).__vcEvents.filter(
        ([t]) => wanted === null || t === wanted,
      ),
    type ?? null,
  );
}

export async function waitForEvent(page: Page, type: string, timeout = 20_000): Promise<RecordedEvent> {
  await page.waitForFunction(
    (wanted) => (window as unknown as { __vcEvents: RecordedEvent[] }).__vcEvents.some(([t]) => t === wanted),
    type,
    { timeout },
  );
  const [first] = await events(page, type);
  return first as RecordedEvent;
}

export interface RemoteVideo {
  peer: string | null;
  width: number;
  height: number;
  frames: number;
}

/** What the remote tiles show: video size and frames painted so far. */
export function remoteVideos(page: Page): Promise<RemoteVideo[]> {
  return page.evaluate(() => {
    const root = document.querySelector('video-call')?.shadowRoot;
    return [...(root?.querySelectorAll<HTMLVideoElement>('[part~="remote-tile"] video') ?? [])].map((video) => ({
      peer: video.closest('figure')?.getAttribute('data-peer') ?? null,
      width: video.videoWidth,
      height: video.videoHeight,
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
    }));
  });
}

/**
 * Waits until every remote tile presents 10 new frames: media is really
 * flowing. Counted with requestVideoFrameCallback, so a video element that
 * restarts its own counters (it may, after an ICE restart) cannot fool it.
 */
export async function expectFramesFlowing(page: Page, tiles = 1): Promise<void> {
  await page.waitForFunction(
    (tiles) => {
      const root = document.querySelector('video-call')?.shadowRoot;
      const videos = [...(root?.querySelectorAll<HTMLVideoElement>('[part~="remote-tile"] video') ?? [])];
      if (videos.length !== tiles) return false;
      const state = window as unknown as { __frameWatch?: Map<HTMLVideoElement, number> };
      const watch = (state.__frameWatch ??= new Map());
      for (const video of videos) {
        if (watch.has(video)) continue;
        watch.set(video, 0);
        const count = () => {
          watch.set(video, (watch.get(video) ?? 0) + 1);
          video.requestVideoFrameCallback(count);
        };
        video.requestVideoFrameCallback(count);
      }
      const done = videos.every((video) => video.videoWidth > 0 && (watch.get(video) ?? 0) >= 10);
      if (done) state.__frameWatch = undefined;
      return done;
    },
    tiles,
    { timeout: 20_000, polling: 100 },
  );
}

/** inbound-rtp video framesDecoded for the connection to `peerId`, through the element's public getStats(). */
export function framesDecoded(page: Page, peerId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const report = await document.querySelector('video-call')?.getStats(id);
    let frames = 0;
    report?.forEach((stat: { type: string; kind?: string; framesDecoded?: number }) => {
      if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
    });
    return frames;
  }, peerId);
}
