import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { expectFramesFlowing, launch, openPage, waitForEvent, waitForState } from './browser.js';

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  // A browser that, like a real one, refuses sound before the user has interacted with the page.
  browser = await launch({ autoplayPolicy: 'document-user-activation-required' });
  server = await startServer({ STATIC_DIR: 'web/dist', LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await browser.close();
  await server.close();
});

describe('a visitor who refuses camera and microphone', () => {
  it('still joins, sees and hears the other side, and gets a tap-to-play button when sound is blocked', async () => {
    const ada = await openPage(browser, `${server.httpUrl}/r/autoplay`, 'Ada');
    // Bob says no to the permission prompt. A page that captures nothing may not autoplay sound.
    const bob = await openPage(browser, `${server.httpUrl}/r/autoplay`, 'Bob', () => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    const [, denied] = await waitForEvent(bob, 'vc-error');
    expect(denied.code).toBe('media-denied');
    await expectFramesFlowing(bob);
    const remote = () =>
      bob.evaluate(() => {
        const video = document
          .querySelector('video-call')
          ?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="remote-video"]');
        return { playing: video !== null && video !== undefined && !video.paused, muted: video?.muted };
      });
    await bob.waitForFunction(() => document.querySelector('video-call')?.shadowRoot?.querySelector('.tap') !== null);
    expect(await remote()).toEqual({ playing: true, muted: true });

    await bob.locator('video-call').getByRole('button', { name: 'Tap to hear the call' }).click();
    expect(await remote()).toEqual({ playing: true, muted: false });
    expect(
      await bob.evaluate(() => document.querySelector('video-call')?.shadowRoot?.querySelector('.tap')),
    ).toBeNull();
  });
});
