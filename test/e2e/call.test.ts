import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { serveSite, embedPage, type Site } from './site.js';
import {
  events,
  expectFramesFlowing,
  framesDecoded,
  launch,
  openPage,
  remoteVideos,
  waitForEvent,
  waitForState,
} from './browser.js';

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser.close();
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
  await server.close();
});

async function serve(env: Record<string, string> = {}) {
  server = await startServer({ STATIC_DIR: 'web/dist', LOG_LEVEL: 'warn', ...env });
}
const roomUrl = (room: string) => `${server.httpUrl}/r/${room}`;

describe('a 1:1 call in two browsers', () => {
  it('connects both sides, with video decoding and the path reported', async () => {
    await serve();
    const ada = await openPage(browser, roomUrl('standup'), 'Ada');
    const bob = await openPage(browser, roomUrl('standup'), 'Bob');
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');

    for (const page of [ada, bob]) {
      await expectFramesFlowing(page);
      const [video] = await remoteVideos(page);
      expect(video?.width).toBeGreaterThan(0);
      await page.waitForFunction(() =>
        (window as unknown as { __vcEvents: Array<[string, { settled?: boolean }]> }).__vcEvents.some(
          ([type, detail]) => type === 'vc-connection' && detail.settled === true,
        ),
      );
      const connection = (await events(page, 'vc-connection')).at(-1)?.[1] ?? {};
      expect(connection).toMatchObject({
        path: 'direct',
        protocol: 'udp',
        local: 'host',
        remote: 'host',
        settled: true,
      });
      const peerId = String(connection.peerId);
      const first = await framesDecoded(page, peerId);
      await page.waitForFunction(
        async ({ id, first }) => {
          const report = await document.querySelector('video-call')?.getStats(id);
          let frames = 0;
          report?.forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
          });
          return frames > first + 10;
        },
        { id: peerId, first },
      );
    }

    for (const [page, other] of [
      [ada, 'Bob'],
      [bob, 'Ada'],
    ] as const) {
      expect(await events(page, 'vc-joined')).toHaveLength(1);
      const [[, peerJoined]] = (await events(page, 'vc-peer-joined')) as [[string, { peer: { name: string } }]];
      expect(peerJoined.peer.name).toBe(other);
      expect(await events(page, 'vc-error')).toEqual([]);
    }

    await mkdir('artifacts', { recursive: true });
    await ada.screenshot({ path: 'artifacts/call.png' });
  });

  it('removes the tile and fires vc-peer-left when the other side leaves', async () => {
    await serve();
    const ada = await openPage(browser, roomUrl('standup'), 'Ada');
    const bob = await openPage(browser, roomUrl('standup'), 'Bob');
    await waitForState(ada, 'connected');
    await bob.evaluate(() => document.querySelector('video-call')?.leave());
    await waitForEvent(ada, 'vc-peer-left');
    await waitForState(ada, 'waiting');
    expect(await remoteVideos(ada)).toEqual([]);
    await waitForState(bob, 'left');
    expect(await events(bob, 'vc-left')).toHaveLength(1);
    // Leaving released the camera and microphone.
    expect(
      await bob.evaluate(() => document.querySelector('video-call')?.shadowRoot?.querySelector('video')),
    ).toBeNull();
  });

  it('removes the tile and fires vc-peer-left when the other side closes its tab', async () => {
    await serve();
    const ada = await openPage(browser, roomUrl('standup'), 'Ada');
    const bob = await openPage(browser, roomUrl('standup'), 'Bob');
    await waitForState(ada, 'connected');
    await bob.close();
    await waitForEvent(ada, 'vc-peer-left');
    await waitForState(ada, 'waiting');
    expect(await remoteVideos(ada)).toEqual([]);
  });
});

describe('rooms', () => {
  it('tells a third joiner of a 1:1 room room-full', async () => {
    await serve();
    const ada = await openPage(browser, roomUrl('pair'), 'Ada');
    await openPage(browser, roomUrl('pair'), 'Bob');
    await waitForState(ada, 'connected');
    const carol = await openPage(browser, roomUrl('pair'), 'Carol');
    const [, error] = await waitForEvent(carol, 'vc-error');
    expect(error.code).toBe('room-full');
    await waitForState(carol, 'failed');
    expect(
      await carol.evaluate(
        () => document.querySelector('video-call')?.shadowRoot?.querySelector('[part~=status]')?.textContent,
      ),
    ).toContain('full');
  });

  it('cleans a display name the server would refuse, instead of failing to join', async () => {
    await serve();
    const long = `Ada\nLovelace ${'x'.repeat(80)}`;
    const ada = await openPage(browser, roomUrl('names'), long);
    const bob = await openPage(browser, roomUrl('names'), 'Bob');
    await waitForState(ada, 'connected');
    const [[, joined]] = (await events(bob, 'vc-peer-joined')) as [[string, { peer: { name: string } }]];
    expect(joined.peer.name.startsWith('Ada Lovelace x')).toBe(true);
    expect(joined.peer.name.length).toBeLessThanOrEqual(64);
  });

  it('refuses an invalid room name with vc-error invalid-room', async () => {
    await serve();
    const page = await openPage(browser, `${server.httpUrl}/`, 'Ada');
    await page.addScriptTag({ url: `${server.httpUrl}/video-call.js`, type: 'module' });
    const error = await page.evaluate(async () => {
      await customElements.whenDefined('video-call');
      const call = document.createElement('video-call');
      call.setAttribute('autojoin', 'false');
      call.room = 'not a room!';
      document.body.append(call);
      const heard = new Promise((resolve) => call.addEventListener('vc-error', (event) => resolve(event.detail.code)));
      const thrown = await call.join().then(
        () => 'no error',
        (e: Error) => e.message,
      );
      return { heard: await heard, thrown };
    });
    expect(error.heard).toBe('invalid-room');
    expect(error.thrown).toContain('invalid room');
  });

  it('connects three peers in a full mesh when the capacity is 3', async () => {
    await serve({ ROOM_CAPACITY: '3' });
    const pages = [];
    for (const name of ['Ada', 'Bob', 'Carol']) pages.push(await openPage(browser, roomUrl('mesh'), name));
    for (const page of pages) {
      await waitForState(page, 'connected');
      await expectFramesFlowing(page, 2);
    }
  });
});

describe('embedding', () => {
  let site: Site;
  beforeEach(async () => {
    site = await serveSite();
  });
  afterEach(async () => {
    await site.close();
  });

  it('works from a page on another origin that the server allows', async () => {
    await serve({ ALLOWED_ORIGINS: site.origin });
    site.html = embedPage(`${server.httpUrl}/video-call.js`, 'embedded');
    const ada = await openPage(browser, `${site.origin}/`, 'Ada');
    const bob = await openPage(browser, `${site.origin}/`, 'Bob');
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    await expectFramesFlowing(ada);
    expect(await ada.evaluate(() => location.origin)).toBe(site.origin);
  });

  it('reports the server unreachable from a page on an origin the server does not allow', async () => {
    await serve();
    site.html = embedPage(`${server.httpUrl}/video-call.js`, 'embedded');
    const page = await openPage(browser, `${site.origin}/`, 'Mallory');
    const [, error] = await waitForEvent(page, 'vc-error');
    expect(error.code).toBe('server-unreachable');
    const metrics = (await server.app.inject('/metrics')).body;
    expect(metrics).toMatch(/vc_signaling_upgrades_refused_total\{reason="origin"\} [1-9]/);
  });

  it('connects every time when both peers join at the same instant (glare)', async () => {
    await serve({ ALLOWED_ORIGINS: site.origin });
    site.html = embedPage(`${server.httpUrl}/video-call.js`, 'unused', 'autojoin="false"');
    for (let round = 0; round < 5; round++) {
      const pages = await Promise.all(['Ada', 'Bob'].map((name) => openPage(browser, `${site.origin}/`, name)));
      // Same instant: both join() calls are issued before either is answered.
      await Promise.all(
        pages.map((page) =>
          page.evaluate(async (room) => {
            await customElements.whenDefined('video-call');
            const call = document.querySelector('video-call');
            if (call === null) throw new Error('no element');
            call.room = room;
            await call.join();
          }, `glare-${round}`),
        ),
      );
      for (const page of pages) await waitForState(page, 'connected');
      for (const page of pages) await page.context().close();
    }
  });
});
