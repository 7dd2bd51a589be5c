/**
 * Network quality, bandwidth adaptation and the active speaker in real
 * Chromium: a 2-peer call on loopback is graded good on both sides and its
 * tiles say so, each camera sender carries the 1-peer ceiling (and the
 * microphone no cap at all), and the fake microphone's beeps make a speaker.
 * The capped-link (NAT lab) and 6-peer cases are test/nat's.
 *
 * The element is put on a plain page here, as an embedding site would, so the
 * test does not depend on what the room page shows before joining.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { launch, openPage, waitForState, type RecordedEvent } from './browser.js';
import { ceiling } from '../../web/insights/adaptation.js';
import { DOWN_AFTER, UP_AFTER, WINDOW_MS } from '../../web/insights/quality.js';
import { HOLD_MS } from '../../web/insights/speaker.js';
import { TICK_MS } from '../../web/insights/index.js';
import { quality as words } from '../../web/strings/en-quality.js';

/**
 * A first class needs two readings, and the window and the hysteresis may hold a startup blip for a full
 * window and a run; the machine is shared by four test runs, so twice that.
 */
const QUALITY_WITHIN = 2 * (WINDOW_MS + (2 + DOWN_AFTER + UP_AFTER) * TICK_MS);
/** Two readings give the first level, the hold and smoothing a few more. */
const SPEAKER_WITHIN = 2 * (HOLD_MS + 6 * TICK_MS);

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  browser = await launch();
  server = await startServer({ STATIC_DIR: 'web/dist', LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await server.close();
  await browser.close();
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
});

/** Records the quality and speaker events, and every peer connection the page makes. */
function watch(): void {
  const seen: Array<[string, unknown]> = [];
  const connections: RTCPeerConnection[] = [];
  Object.assign(window, { __insights: seen, __connections: connections });
  for (const type of ['vc-network-quality', 'vc-speaker']) {
    addEventListener(type, (event) => seen.push([type, (event as CustomEvent).detail]));
  }
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      connections.push(this);
    }
  };
}

async function joinCall(name: string, room: string): Promise<Page> {
  const page = await openPage(browser, `${server.httpUrl}/`, name, watch);
  await page.addScriptTag({ url: `${server.httpUrl}/video-call.js`, type: 'module' });
  await page.evaluate(
    async ({ name, room }) => {
      await customElements.whenDefined('video-call');
      const call = document.createElement('video-call');
      call.setAttribute('autojoin', 'false');
      call.name = name;
      call.room = room;
      document.body.append(call);
      await call.join();
    },
    { name, room },
  );
  return page;
}

const insights = (page: Page) => page.evaluate(() => (window as unknown as { __insights: RecordedEvent[] }).__insights);

describe('network quality, adaptation and the active speaker in a 2-peer call', () => {
  it('grades the link good on both sides, shows it on the tile, caps the camera, and finds a speaker', async () => {
    const ada = await joinCall('Ada', 'insights');
    const bob = await joinCall('Bob', 'insights');
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    const ids = new Map<Page, string>();
    for (const page of [ada, bob]) {
      const joined = await page.evaluate(
        () =>
          (window as unknown as { __vcEvents: RecordedEvent[] }).__vcEvents.find(([type]) => type === 'vc-joined')?.[1]
            .id,
      );
      ids.set(page, String(joined));
    }

    for (const [page, other] of [
      [ada, bob],
      [bob, ada],
    ] as const) {
      const peerId = ids.get(other);
      await page.waitForFunction(
        (peerId) =>
          (window as unknown as { __insights: RecordedEvent[] }).__insights
            .filter(([type, detail]) => type === 'vc-network-quality' && detail.peerId === peerId)
            .at(-1)?.[1].quality === 'good',
        peerId,
        { timeout: QUALITY_WITHIN, polling: 250 },
      );
      const [, detail] = (await insights(page)).filter(([type]) => type === 'vc-network-quality').at(-1) ?? [];
      expect(detail).toMatchObject({ peerId, quality: 'good' });
      // Loopback: a tiny RTT, measured loss, and an estimate of what may be sent.
      expect(detail?.rtt).toBeTypeOf('number');
      expect(detail?.rtt).toBeLessThan(0.25);
      expect(detail?.loss).toBeTypeOf('number');
      expect(detail?.availableOutgoingBitrate).toBeGreaterThan(0);

      const indicator = await page.evaluate((peerId) => {
        const tile = document.querySelector('video-call')?.shadowRoot?.querySelector(`[data-peer="${peerId}"]`);
        const part = tile?.querySelector('[part~="quality"]');
        return part ? { classes: [...part.classList], label: part.getAttribute('aria-label') } : null;
      }, peerId);
      expect(indicator).toEqual({ classes: ['quality', 'good'], label: words.good });

      // The camera carries the 1-peer ceiling (or a budget under it).
      const encodings = await page.waitForFunction(
        () => {
          const [pc] = (window as unknown as { __connections: RTCPeerConnection[] }).__connections;
          const senders = pc?.getSenders().filter((sender) => sender.track !== null) ?? [];
          const video = senders.find((sender) => sender.track?.kind === 'video')?.getParameters().encodings[0];
          const audio = senders.find((sender) => sender.track?.kind === 'audio')?.getParameters().encodings[0];
          return video?.maxBitrate !== undefined && audio?.networkPriority === 'high' && { video, audio };
        },
        undefined,
        { timeout: QUALITY_WITHIN, polling: 250 },
      );
      const { video, audio } = (await encodings.jsonValue()) as {
        video: RTCRtpEncodingParameters;
        audio: RTCRtpEncodingParameters | undefined;
      };
      expect(video.maxBitrate).toBeGreaterThan(0);
      expect(video.maxBitrate).toBeLessThanOrEqual(ceiling(1).maxBitrate);
      expect(video.maxFramerate).toBeLessThanOrEqual(ceiling(1).maxFramerate);
      // The microphone is never capped, only put first.
      expect(audio?.maxBitrate).toBeUndefined();
      expect(audio?.priority).toBe('high');
    }

    // Chromium's fake microphone beeps: someone in the call is the speaker, and their tile says so.
    for (const page of [ada, bob]) {
      await page.waitForFunction(
        () =>
          (window as unknown as { __insights: RecordedEvent[] }).__insights.some(
            ([type, detail]) => type === 'vc-speaker' && detail.id !== null,
          ),
        undefined,
        { timeout: SPEAKER_WITHIN, polling: 250 },
      );
      const spoken = (await insights(page)).filter(([type]) => type === 'vc-speaker').map(([, d]) => d.id);
      expect([...ids.values()]).toContain(spoken.find((id) => id !== null));
      const tiles = await page.evaluate(() =>
        [...(document.querySelector('video-call')?.shadowRoot?.querySelectorAll('.tile.speaking') ?? [])].map((tile) =>
          tile.getAttribute('part'),
        ),
      );
      // The speaker may have fallen silent between two beeps; when a tile is lit, it is one tile, with the part.
      expect(tiles.length).toBeLessThanOrEqual(1);
      for (const part of tiles) expect(part).toContain('speaking-tile');
    }
  });
});
