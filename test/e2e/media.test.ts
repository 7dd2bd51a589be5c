import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { expectFramesFlowing, launch, openPage, waitForState } from './browser.js';

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  browser = await launch();
  server = await startServer({ STATIC_DIR: 'web/dist', LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await browser.close();
  await server.close();
});
afterEach(async () => {
  for (const context of browser.contexts()) await context.close();
});

/** What Bob receives from Ada: decoded video frames, audio energy, and what Ada's tile shows. */
function received(bob: Page) {
  return bob.evaluate(async () => {
    const call = document.querySelector('video-call');
    const tile = call?.shadowRoot?.querySelector<HTMLElement>('[part~="remote-tile"]');
    const report = await call?.getStats(tile?.dataset.peer ?? '');
    let frames = 0;
    let energy = 0;
    report?.forEach((stat: { type: string; kind?: string; framesDecoded?: number; totalAudioEnergy?: number }) => {
      if (stat.type !== 'inbound-rtp') return;
      if (stat.kind === 'video') frames += stat.framesDecoded ?? 0;
      if (stat.kind === 'audio') energy += stat.totalAudioEnergy ?? 0;
    });
    // Muted audio still sends comfort-noise-level silence; compare energy at a precision that ignores it.
    return {
      frames,
      energy: Math.round(energy * 1000),
      avatar: tile?.querySelector('.avatar') !== null,
      micOff: tile?.querySelector('.label svg') !== null,
    };
  });
}

/** Waits until `read` has stopped changing over a few samples: the stream really stopped. */
async function expectStops(bob: Page, read: (r: Awaited<ReturnType<typeof received>>) => number) {
  let last = read(await received(bob));
  let unchanged = 0;
  for (let sample = 0; sample < 40 && unchanged < 3; sample++) {
    await bob.waitForTimeout(400);
    const now = read(await received(bob));
    unchanged = now === last ? unchanged + 1 : 0;
    last = now;
  }
  expect(unchanged).toBe(3);
}

async function expectGrows(bob: Page, read: (r: Awaited<ReturnType<typeof received>>) => number) {
  const start = read(await received(bob));
  for (let sample = 0; sample < 40; sample++) {
    await bob.waitForTimeout(250);
    if (read(await received(bob)) > start) return;
  }
  expect.fail('the stream did not resume');
}

async function call(room: string) {
  const ada = await openPage(browser, `${server.httpUrl}/r/${room}`, 'Ada');
  const bob = await openPage(browser, `${server.httpUrl}/r/${room}`, 'Bob');
  await waitForState(ada, 'connected');
  await waitForState(bob, 'connected');
  await expectFramesFlowing(bob);
  return { ada, bob };
}

describe('camera and microphone toggles', () => {
  it('stops the video the other side receives when camera-off is set, and resumes it when removed', async () => {
    const { ada, bob } = await call('camera');
    await ada.evaluate(() => document.querySelector('video-call')?.setAttribute('camera-off', ''));
    await expectStops(bob, (r) => r.frames);
    expect((await received(bob)).avatar).toBe(true);
    // Off means off: the camera itself is released, not just blanked.
    expect(
      await ada.evaluate(() => document.querySelector('video-call')?.shadowRoot?.querySelector('[part~="self-video"]')),
    ).toBeNull();

    await ada.evaluate(() => document.querySelector('video-call')?.removeAttribute('camera-off'));
    await expectGrows(bob, (r) => r.frames);
    expect((await received(bob)).avatar).toBe(false);
  });

  it('silences the audio the other side receives on setMicrophone(false), reflected as the muted attribute', async () => {
    const { ada, bob } = await call('mic');
    await expectGrows(bob, (r) => r.energy);
    await ada.evaluate(() => document.querySelector('video-call')?.setMicrophone(false));
    expect(await ada.evaluate(() => document.querySelector('video-call')?.hasAttribute('muted'))).toBe(true);
    await expectStops(bob, (r) => r.energy);
    expect((await received(bob)).micOff).toBe(true);

    await ada.evaluate(() => document.querySelector('video-call')?.removeAttribute('muted'));
    await expectGrows(bob, (r) => r.energy);
    expect((await received(bob)).micOff).toBe(false);
  });

  it('exposes the controls and the tile tools as labelled, keyboard-reachable buttons', async () => {
    const { ada, bob } = await call('keyboard');
    // The device menu's button comes with its chunk, loaded as the call starts.
    await ada.locator('video-call [part~="devices-button"]').waitFor();
    const labels = (selector: string) =>
      ada.evaluate(
        (wanted) =>
          [...(document.querySelector('video-call')?.shadowRoot?.querySelectorAll(wanted) ?? [])].map((b) =>
            b.getAttribute('aria-label'),
          ),
        selector,
      );
    expect(await labels('[part~="controls"] button')).toEqual([
      'Mute microphone',
      'Turn camera off',
      'Share your screen',
      'Chat',
      'Camera, microphone and speaker',
      'Leave the call',
    ]);
    expect(await labels('[part~="tile-tools"] button')).toEqual([
      'Pin You',
      'Show You full screen',
      'Pin Bob',
      'Show Bob full screen',
    ]);
    const active = () =>
      ada.evaluate(() => document.querySelector('video-call')?.shadowRoot?.activeElement?.getAttribute('aria-label'));
    // From the page's last control, Tab enters the element at its first tile's tools, in reading order.
    await ada.focus('#copy');
    await ada.keyboard.press('Tab');
    expect(await active()).toBe('Pin You');
    await ada.keyboard.press('Enter');
    expect(await labels('[part~="tile-tools"] button[aria-pressed="true"]')).toEqual(['Unpin You']);
    // The controls are reached the same way; the microphone button works from the keyboard.
    await ada.evaluate(() =>
      document.querySelector('video-call')?.shadowRoot?.querySelector<HTMLElement>('[part~="mic-button"]')?.focus(),
    );
    expect(await active()).toBe('Mute microphone');
    await ada.keyboard.press('Enter');
    expect(await ada.evaluate(() => document.querySelector('video-call')?.hasAttribute('muted'))).toBe(true);
    await expectStops(bob, (r) => r.energy);
  });
});

describe('screen share', () => {
  it('adds a screen tile on the other side with frames flowing, and removes it when sharing stops', async () => {
    const { ada, bob } = await call('screen');
    await ada.evaluate(() => document.querySelector('video-call')?.shareScreen());
    await bob.waitForFunction(() => {
      const video = document
        .querySelector('video-call')
        ?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="screen-tile"] video');
      return (
        video !== null &&
        video !== undefined &&
        video.videoWidth > 0 &&
        video.getVideoPlaybackQuality().totalVideoFrames > 5
      );
    });
    await ada.evaluate(() => document.querySelector('video-call')?.stopScreenShare());
    await bob.waitForFunction(
      () => document.querySelector('video-call')?.shadowRoot?.querySelector('[part~="screen-tile"]') === null,
    );
    // The camera carried on throughout.
    await expectFramesFlowing(bob);
  });
});

describe('teardown', () => {
  it('stops every camera and microphone track and tells the other side when the element is removed', async () => {
    const { ada, bob } = await call('teardown');
    const tracks = await ada.evaluate(() => {
      const call = document.querySelector('video-call');
      const video = call?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="self-video"]');
      const stream = video?.srcObject as MediaStream | null;
      const all = stream?.getTracks() ?? [];
      (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks = all;
      call?.remove();
      return all.length;
    });
    expect(tracks).toBe(2);
    expect(
      await ada.evaluate(() =>
        (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.map((t) => t.readyState),
      ),
    ).toEqual(['ended', 'ended']);
    await bob.waitForFunction(() => document.querySelector('video-call')?.getAttribute('state') === 'waiting');
  });
});

describe('devices', () => {
  it('switches the camera with setDevices() without interrupting the call', async () => {
    const { ada, bob } = await call('devices');
    const switched = await ada.evaluate(async () => {
      const call = document.querySelector('video-call');
      const video = call?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="self-video"]');
      const before = (video?.srcObject as MediaStream).getVideoTracks()[0];
      const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
      const target = cameras[cameras.length - 1];
      await call?.setDevices({ video: target?.deviceId });
      const after = (video?.srcObject as MediaStream).getVideoTracks()[0];
      return {
        changed: before !== after,
        beforeEnded: before?.readyState,
        device: after?.getSettings().deviceId === target?.deviceId,
      };
    });
    expect(switched).toEqual({ changed: true, beforeEnded: 'ended', device: true });
    await expectFramesFlowing(bob);
  });
});
