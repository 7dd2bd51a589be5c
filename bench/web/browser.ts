/**
 * The web bench's pages: Chromium started and pages opened as the end-to-end
 * tests do it (test/helpers/browser.ts), with every milestone of a call
 * stamped in the page. In-page code is passed as strings because the bench
 * compiles without the DOM typings.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { openPageIn } from '../../test/helpers/browser.js';

/**
 * Stamps the milestones of a call in the page, each with a machine-wide time
 * (timeOrigin + now, ms since the epoch) so that two pages compare: the
 * camera and microphone granted, the WebSocket open, the server's first
 * messages, the first signal each way, ICE connected. Subclasses and a
 * wrapped method, so the element sees the browser's own classes behave as
 * always. Installed before any page script runs.
 */
const MILESTONES = `(() => {
  const marks = (window.__vcMarks = []);
  const mark = (label) => marks.push([label, performance.timeOrigin + performance.now()]);
  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  media.getUserMedia = (constraints) =>
    getUserMedia(constraints).then((stream) => (mark('camera and microphone granted'), stream));
  window.WebSocket = class extends WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => mark('WebSocket open'));
      this.addEventListener('message', (event) => mark('received ' + JSON.parse(event.data).type));
    }
    send(data) {
      mark('sent ' + JSON.parse(data).type);
      super.send(data);
    }
  };
  window.RTCPeerConnection = class extends RTCPeerConnection {
    constructor(...args) {
      super(...args);
      this.addEventListener('iceconnectionstatechange', () => mark('ICE ' + this.iceConnectionState));
    }
  };
})()`;

/** A page of `context` at `url`, its call milestones recorded. */
export function openPage(context: BrowserContext, url: string): Promise<Page> {
  return openPageIn(context, url, url, async (page) => {
    await page.addInitScript(MILESTONES);
  });
}

/** Adds `<video-call autojoin="false">` for `room` to the page; its vc-state changes join the milestones. */
export async function addCall(page: Page, scriptUrl: string, room: string, name: string): Promise<void> {
  await page.addScriptTag({ url: scriptUrl, type: 'module' });
  await page.evaluate(`(async ({ room, name }) => {
    await customElements.whenDefined('video-call');
    const call = document.createElement('video-call');
    call.setAttribute('autojoin', 'false');
    call.name = name;
    call.room = room;
    call.addEventListener('vc-state', (event) =>
      window.__vcMarks.push(['state ' + event.detail.state, performance.timeOrigin + performance.now()]));
    document.body.append(call);
  })(${JSON.stringify({ room, name })})`);
}

/** Calls join() without awaiting it; returns the moment of the call. */
export function join(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const call = document.querySelector('video-call');
    const at = performance.timeOrigin + performance.now();
    call.join().catch(() => undefined);
    return at;
  })()`) as Promise<number>;
}

/** Each milestone of the page with when it first happened, ms since the epoch. */
export async function timeline(page: Page): Promise<Map<string, number>> {
  const events = (await page.evaluate('window.__vcMarks')) as Array<[string, number]>;
  const first = new Map<string, number>();
  for (const [label, at] of events) if (!first.has(label)) first.set(label, at);
  return first;
}
