import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMain, type ServerProcess } from '../helpers/process.js';
import { freeTcpPort } from '../helpers/ports.js';
import { events, expectFramesFlowing, launch, openPage, remoteVideos, waitForState } from './browser.js';

let browser: Browser;
let server: ServerProcess | undefined;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser.close();
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
  server?.child.kill('SIGKILL');
  server = undefined;
});

async function restart(env: Record<string, string>): Promise<void> {
  const old = server;
  if (old === undefined) throw new Error('no server');
  old.child.kill('SIGTERM');
  expect((await old.exited).code).toBe(0);
  server = await startMain(env);
}

const framesOf = async (page: Page) => (await remoteVideos(page))[0]?.frames ?? 0;

describe('signaling server restarted mid-call', () => {
  it('keeps media flowing, rejoins under the same ids, and renegotiates afterwards (SESSION_SECRET set)', async () => {
    const port = String(await freeTcpPort());
    const env = { PORT: port, STATIC_DIR: 'web/dist', SESSION_SECRET: 'e2e-restart-secret-0123456789abcdef' };
    server = await startMain(env);
    const ada = await openPage(browser, `http://127.0.0.1:${port}/r/restart`, 'Ada');
    const bob = await openPage(browser, `http://127.0.0.1:${port}/r/restart`, 'Bob');
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    await expectFramesFlowing(bob);

    const old = server;
    old.child.kill('SIGTERM');
    await old.exited;
    // No signaling server at all now: the media is peer to peer and carries on.
    await waitForState(bob, 'reconnecting');
    const during = await framesOf(bob);
    await bob.waitForFunction((before) => {
      const video = document
        .querySelector('video-call')
        ?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="remote-tile"] video');
      return (video?.getVideoPlaybackQuality().totalVideoFrames ?? 0) > before + 10;
    }, during);
    expect(await bob.evaluate(() => document.querySelector('video-call')?.getAttribute('state'))).toBe('reconnecting');

    server = await startMain(env);
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    for (const page of [ada, bob]) {
      expect(await events(page, 'vc-peer-left')).toEqual([]);
      expect(await events(page, 'vc-joined')).toHaveLength(1);
      expect(await events(page, 'vc-peer-joined')).toHaveLength(1);
    }
    await expectFramesFlowing(bob);

    // A renegotiation after the restart: Ada shares her screen.
    await ada.evaluate(() => document.querySelector('video-call')?.shareScreen());
    await bob.waitForFunction(() => {
      const video = document
        .querySelector('video-call')
        ?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="screen-tile"] video');
      return video !== null && video !== undefined && video.getVideoPlaybackQuality().totalVideoFrames > 5;
    });
  });

  it('reconnects the call with new ids after a restart without SESSION_SECRET', async () => {
    const port = String(await freeTcpPort());
    const env = { PORT: port, STATIC_DIR: 'web/dist' };
    server = await startMain(env);
    const ada = await openPage(browser, `http://127.0.0.1:${port}/r/restart`, 'Ada');
    const bob = await openPage(browser, `http://127.0.0.1:${port}/r/restart`, 'Bob');
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');

    await restart(env);
    for (const page of [ada, bob]) {
      await page.waitForFunction(() => {
        const events = (window as unknown as { __vcEvents: Array<[string]> }).__vcEvents;
        return (
          events.filter(([type]) => type === 'vc-peer-joined').length === 2 &&
          events.some(([type]) => type === 'vc-peer-left')
        );
      });
      await waitForState(page, 'connected');
      await expectFramesFlowing(page);
    }
  });
});
