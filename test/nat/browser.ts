/**
 * Headless Chromium inside a client namespace, and what the lab reads from
 * its call page beyond what the e2e helpers (../e2e/browser.ts) read.
 * Playwright talks to the browser over pipes, so a wrapper that execs it
 * through `ip netns exec` is all it takes: the browser, and every socket it
 * opens, live behind that home's router.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM } from '../helpers/chromium.js';
import { launch, openPage, type RecordedEvent } from '../e2e/browser.js';
import type { HomeName, NatLab } from './lab.js';
import { SERVER_ORIGIN } from './services.js';

/**
 * `hosts`, a file, is the browser's /etc/hosts: bound over it in the mount
 * namespace `ip netns exec` gives the browser alone (the machine's stays as
 * it is), for names that must resolve in the lab, where no DNS answers.
 */
export async function launchIn(
  lab: NatLab,
  home: HomeName,
  flags: string[] = [],
  { hosts }: { hosts?: string } = {},
): Promise<Browser> {
  const wrapper = join(lab.dir, `chromium-${home}`);
  const command =
    hosts === undefined ? CHROMIUM : `sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' '${hosts}' ${CHROMIUM}`;
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${lab.clientNs(home)}' ${command} "$@"\n`, { mode: 0o755 });
  // The call page is plain http from the public namespace; camera and microphone need a secure context.
  return launch({
    executablePath: wrapper,
    flags: [`--unsafely-treat-insecure-origin-as-secure=${SERVER_ORIGIN}`, ...flags],
  });
}

/** Every RTCPeerConnection the page made: its connectionState history and the types of the candidates it gathered. */
export interface PeerConnectionRecord {
  states: string[];
  candidates: string[];
}

type LabWindow = Window & {
  __vcEvents: RecordedEvent[];
  __peerConnections: PeerConnectionRecord[];
  __framesAtStart?: Record<string, number>;
};

/** Runs in the page before its scripts: records every peer connection's states and gathered candidates. */
function recordPeerConnections(): void {
  const records: PeerConnectionRecord[] = [];
  (window as unknown as LabWindow).__peerConnections = records;
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
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

/**
 * Opens the call page for `room` in a fresh context of `browser`, recording
 * vc-* events and peer connections: the signaling server's, or `origin`'s.
 */
export function openCall(browser: Browser, room: string, name: string, origin = SERVER_ORIGIN): Promise<Page> {
  return openPage(browser, `${origin}/r/${room}`, name, recordPeerConnections);
}

export function peerConnections(page: Page): Promise<PeerConnectionRecord[]> {
  return page.evaluate(() => (window as unknown as LabWindow).__peerConnections);
}

/**
 * The first vc-connection whose path is `path` and, unless the path is a
 * relay, whose candidates are settled (no prflx left).
 */
export async function waitForPath(page: Page, path: string, timeout: number): Promise<Record<string, unknown>> {
  const handle = await page.waitForFunction(
    (wanted) =>
      (window as unknown as LabWindow).__vcEvents.find(
        ([type, detail]) =>
          type === 'vc-connection' && detail.path === wanted && (wanted === 'relay' || detail.settled === true),
      )?.[1],
    path,
    { timeout },
  );
  return (await handle.jsonValue()) as Record<string, unknown>;
}

/**
 * Waits until one of the page's peer connections has given up
 * (connectionState `failed`: every candidate pair failed).
 */
export async function waitForIceFailure(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(
    () => (window as unknown as LabWindow).__peerConnections.some((pc) => pc.states.includes('failed')),
    undefined,
    {
      timeout,
      polling: 500,
    },
  );
}

/**
 * Media really decodes: the remote tile shows a video, and the video frames
 * decoded from `peerId` (the element's public getStats) grow by 20 from the
 * first look.
 */
export async function expectFramesDecoding(page: Page, peerId: string, timeout: number): Promise<void> {
  await page.waitForFunction(
    async (id) => {
      const scope = window as unknown as LabWindow;
      const call = document.querySelector('video-call') as
        (HTMLElement & { getStats(peer: string): Promise<RTCStatsReport | undefined> }) | null;
      const videos = [...(call?.shadowRoot?.querySelectorAll<HTMLVideoElement>('[part~="remote-tile"] video') ?? [])];
      if (videos.length !== 1 || videos.some((video) => video.videoWidth === 0)) return false;
      let frames = 0;
      (await call?.getStats(id))?.forEach((stat: { type: string; kind?: string; framesDecoded?: number }) => {
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
