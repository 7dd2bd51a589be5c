/**
 * The stage as people see it, in real Chromium: the tiles of a call fit the
 * window on a desktop (1280×800) and on a phone (390×844), side by side and
 * never overlapping, with screenshots in artifacts/; a pinned tile fills the
 * stage and its video plays on in the same element; a tile goes full screen;
 * and the element speaks the language it is given, or the browser's.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { openPageIn } from '../helpers/browser.js';
import { expectFramesFlowing, launch, openPage, waitForState } from './browser.js';

let browser: Browser;
let server: TestServer | undefined;

beforeAll(async () => {
  browser = await launch();
  await mkdir('artifacts', { recursive: true });
});
afterAll(async () => {
  await browser.close();
});
async function closeAll(): Promise<void> {
  for (const context of browser.contexts()) await context.close();
  await server?.close();
  server = undefined;
}

async function serve(): Promise<string> {
  server = await startServer({ STATIC_DIR: 'web/dist', LOG_LEVEL: 'warn', ROOM_CAPACITY: '4' });
  return server.httpUrl;
}

interface Box {
  part: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every tile's box, and the element's. */
function boxes(page: Page): Promise<{ tiles: Box[]; element: Box }> {
  return page.evaluate(() => {
    const call = document.querySelector('video-call');
    const box = (element: Element): Box => {
      const { x, y, width, height } = element.getBoundingClientRect();
      return { part: element.getAttribute('part') ?? '', x, y, width, height };
    };
    const tiles = [...(call?.shadowRoot?.querySelectorAll('figure.tile') ?? [])].map(box);
    return { tiles, element: box(call as Element) };
  });
}

const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1;

function expectFitted({ tiles, element }: { tiles: Box[]; element: Box }, count: number): void {
  expect(tiles).toHaveLength(count);
  for (const tile of tiles) {
    expect(tile.x, tile.part).toBeGreaterThanOrEqual(element.x);
    expect(tile.y, tile.part).toBeGreaterThanOrEqual(element.y);
    expect(tile.x + tile.width, tile.part).toBeLessThanOrEqual(element.x + element.width + 0.5);
    expect(tile.y + tile.height, tile.part).toBeLessThanOrEqual(element.y + element.height + 0.5);
    // All the same size, and big enough to see a face in.
    expect(Math.abs(tile.width - (tiles[0]?.width ?? 0))).toBeLessThan(1);
    expect(tile.width).toBeGreaterThan(120);
  }
  for (const [i, a] of tiles.entries()) for (const b of tiles.slice(i + 1)) expect(overlap(a, b)).toBe(false);
}

/** One 3-peer call for the stage's cases, in order: it is the slow part, and each case leaves it as it found it. */
describe('the stage', () => {
  let pages: Page[] = [];
  let ada: Page;
  beforeAll(async () => {
    const url = `${await serve()}/r/stage`;
    for (const name of ['Ada', 'Bob', 'Cy']) pages.push(await openPage(browser, url, name));
    ada = pages[0] as Page;
    for (const page of pages) await waitForState(page, 'connected', 60_000);
    await expectFramesFlowing(ada, 2);
  }, 120_000);
  afterAll(async () => {
    await closeAll();
    pages = [];
  });

  it('fits 5 tiles (3 cameras, 2 shared screens) in a desktop window and on a phone, screenshots kept', async () => {
    for (const page of pages) await page.evaluate(() => document.querySelector('video-call')?.shareScreen());
    await ada.waitForFunction(
      () => document.querySelector('video-call')?.shadowRoot?.querySelectorAll('[part~="screen-tile"]').length === 2,
      undefined,
      { timeout: 30_000 },
    );
    // A page shows the others' screens, not its own: 3 cameras and 2 screens.
    for (const [viewport, file] of [
      [{ width: 1280, height: 800 }, 'artifacts/stage-1280x800.png'],
      [{ width: 390, height: 844 }, 'artifacts/stage-390x844.png'],
    ] as const) {
      await ada.setViewportSize(viewport);
      // The grid is fitted after the stage reports its new size (ResizeObserver, then a render).
      await ada.waitForFunction((width) => {
        const call = document.querySelector('video-call');
        const right = call?.getBoundingClientRect().right ?? Infinity;
        const tiles = [...(call?.shadowRoot?.querySelectorAll('figure.tile') ?? [])];
        return right <= width && tiles.every((tile) => tile.getBoundingClientRect().right <= right);
      }, viewport.width);
      expectFitted(await boxes(ada), 5);
      await ada.screenshot({ path: file });
    }
    const phone = await boxes(ada);
    const columns = new Set(phone.tiles.map((tile) => Math.round(tile.x))).size;
    expect(columns, 'tiles across on an upright phone').toBeLessThanOrEqual(2);
    for (const page of pages) await page.evaluate(() => document.querySelector('video-call')?.stopScreenShare());
    await ada.setViewportSize({ width: 1280, height: 800 });
    await ada.waitForFunction(
      () => document.querySelector('video-call')?.shadowRoot?.querySelectorAll('figure.tile').length === 3,
    );
  });

  it('pins a tile: it fills the stage, the others become a strip, and its video plays on in the same element', async () => {
    const target = await ada.evaluate(() => {
      const tile = document
        .querySelector('video-call')
        ?.shadowRoot?.querySelector<HTMLElement>('[part~="remote-tile"]');
      (tile?.querySelector('video') as unknown as { marked: boolean }).marked = true;
      return tile?.dataset.peer ?? '';
    });
    await ada.locator(`video-call figure[data-peer="${target}"] [part~="pin-button"]`).click({ force: true });
    const pinned = await ada.evaluate((id) => {
      const root = document.querySelector('video-call')?.shadowRoot;
      const tile = root?.querySelector<HTMLElement>(`[data-peer="${id}"]`);
      const video = tile?.querySelector('video') as (HTMLVideoElement & { marked?: boolean }) | null | undefined;
      const others = [...(root?.querySelectorAll('figure.tile') ?? [])].filter((other) => other !== tile);
      return {
        pinned: tile?.classList.contains('pin') ?? false,
        sameVideo: video?.marked === true,
        area: (tile?.offsetWidth ?? 0) * (tile?.offsetHeight ?? 0),
        others: others.map((other) => (other as HTMLElement).offsetWidth * (other as HTMLElement).offsetHeight),
        time: video?.currentTime ?? 0,
      };
    }, target);
    expect(pinned.pinned).toBe(true);
    expect(pinned.sameVideo, 'the pinned tile keeps its <video>').toBe(true);
    for (const area of pinned.others) expect(pinned.area).toBeGreaterThan(area * 4);
    // Still playing: its clock moves on.
    await ada.waitForFunction(
      ({ id, time }) => {
        const video = document
          .querySelector('video-call')
          ?.shadowRoot?.querySelector<HTMLVideoElement>(`[data-peer="${id}"] video`);
        return video !== null && video !== undefined && !video.paused && video.currentTime > time + 0.5;
      },
      { id: target, time: pinned.time },
    );
    await ada.screenshot({ path: 'artifacts/stage-pinned.png' });
    // Unpinned, the grid is back.
    await ada.locator(`video-call figure[data-peer="${target}"] [part~="pin-button"]`).click({ force: true });
    expectFitted(await boxes(ada), 3);
  });

  it('shows a tile full screen', async () => {
    await ada.locator('video-call [part~="remote-tile"] [part~="fullscreen-button"]').first().click({ force: true });
    await ada.waitForFunction(
      () =>
        document.querySelector('video-call')?.shadowRoot?.fullscreenElement?.matches('[part~="remote-tile"]') === true,
    );
  });
});

describe('language', () => {
  afterEach(closeAll);

  const words = (page: Page) =>
    page.evaluate(() => {
      const root = document.querySelector('video-call')?.shadowRoot;
      return {
        status: root?.querySelector('[part~="status"]')?.textContent?.trim(),
        mic: root?.querySelector('[part~="mic-button"]')?.getAttribute('aria-label'),
      };
    });

  it('speaks German with lang="de", English with lang="en", and the browser’s language without one', async () => {
    const url = `${await serve()}/r/sprache`;
    const ada = await openPage(browser, url, 'Ada');
    await waitForState(ada, 'waiting');
    expect(await words(ada)).toEqual({ status: 'Waiting for someone to join', mic: 'Mute microphone' });
    await ada.evaluate(() => document.querySelector('video-call')?.setAttribute('lang', 'de'));
    await ada.waitForFunction(
      () =>
        document.querySelector('video-call')?.shadowRoot?.querySelector('[part~="status"]')?.textContent?.trim() ===
        'Warte auf weitere Teilnehmer',
    );
    expect(await words(ada)).toEqual({ status: 'Warte auf weitere Teilnehmer', mic: 'Mikrofon stummschalten' });

    const german = await browser.newContext({ locale: 'de-DE', viewport: { width: 960, height: 640 } });
    // Through the shared opener, which joins at once (prejoin=0), as every other test page does.
    const bob = await openPageIn(german, url, 'Bob');
    await waitForState(bob, 'connected');
    await bob.waitForFunction(
      () =>
        document
          .querySelector('video-call')
          ?.shadowRoot?.querySelector('[part~="mic-button"]')
          ?.getAttribute('aria-label') === 'Mikrofon stummschalten',
    );
    await bob.evaluate(() => document.querySelector('video-call')?.setAttribute('lang', 'en'));
    await bob.waitForFunction(
      () =>
        document
          .querySelector('video-call')
          ?.shadowRoot?.querySelector('[part~="mic-button"]')
          ?.getAttribute('aria-label') === 'Mute microphone',
    );
  });
});
