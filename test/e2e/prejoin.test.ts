/**
 * The pre-join screen and the in-call device menu (issue 15), in Debian's
 * Chromium with its fake devices (one camera, one microphone whose audio is a
 * beeping tone): the pickers fill, the meter follows the tone, the name is
 * remembered across a reload, joining with the camera off sends no video, a
 * refused permission says so and joining without devices still connects, the
 * speaker is switched through setSinkId, and switching the camera in the
 * call swaps the track with no new offer or answer.
 */
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { expectFramesFlowing, framesDecoded, launch, openPage, waitForState } from './browser.js';

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

/** The call page with the pre-join screen (the page's default; openPage adds prejoin=0 unless told). */
const prejoinUrl = (room: string) => `${server.httpUrl}/r/${room}?prejoin=1`;
const directUrl = (room: string) => `${server.httpUrl}/r/${room}?prejoin=0`;

interface PcWindow {
  __pcs: Array<RTCPeerConnection & { sdpCount: number }>;
  __getUserMedia: number;
}

/**
 * Runs in the page before its scripts: keeps every peer connection and counts the descriptions it sets,
 * and counts getUserMedia() calls.
 */
function recordPeerConnections(): void {
  const pcs: Array<RTCPeerConnection & { sdpCount: number }> = [];
  const recorded = window as unknown as PcWindow;
  recorded.__pcs = pcs;
  recorded.__getUserMedia = 0;
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => {
    recorded.__getUserMedia++;
    return getUserMedia(constraints);
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      pcs.push(Object.assign(this, { sdpCount: 0 }));
    }
  };
  // Every offer or answer set, on either side, counts: a renegotiation would add two.
  for (const method of ['setLocalDescription', 'setRemoteDescription'] as const) {
    const native = Native.prototype[method] as (...args: unknown[]) => Promise<void>;
    Object.defineProperty(Native.prototype, method, {
      value(this: RTCPeerConnection & { sdpCount: number }, ...args: unknown[]) {
        this.sdpCount++;
        return native.apply(this, args);
      },
    });
  }
}

/** The shadow root's element matching `selector`, as a Playwright locator (it pierces shadow roots). */
const part = (page: Page, selector: string) => page.locator(`video-call ${selector}`);

async function onPrejoin(page: Page): Promise<void> {
  await waitForState(page, 'prejoin');
  await part(page, '[part~="prejoin"]').waitFor();
}

async function peerId(page: Page): Promise<string> {
  const tile = part(page, '[part~="remote-tile"]').first();
  await tile.waitFor();
  return (await tile.getAttribute('data-peer')) ?? '';
}

/** What `page` receives from the peer whose tile it shows: video frames decoded, audio packets. */
function inbound(page: Page) {
  return page.evaluate(async () => {
    const call = document.querySelector('video-call');
    const tile = call?.shadowRoot?.querySelector<HTMLElement>('[part~="remote-tile"]');
    const report = await call?.getStats(tile?.dataset.peer ?? '');
    let frames = 0;
    let audioPackets = 0;
    report?.forEach((stat: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
      if (stat.type !== 'inbound-rtp') return;
      if (stat.kind === 'video') frames += stat.framesDecoded ?? 0;
      if (stat.kind === 'audio') audioPackets += stat.packetsReceived ?? 0;
    });
    return { frames, audioPackets };
  });
}

/** The denied screen, then joining without devices while Bob (allowed) joins from the shared browser. */
async function deniedJoinStillConnects(denying: Browser): Promise<void> {
  const ada = await (await denying.newContext({ viewport: { width: 960, height: 640 } })).newPage();
  ada.on('pageerror', (error) => console.error(`[page Ada] ${error.message}`));
  await ada.goto(prejoinUrl('pj-denied'));
  await onPrejoin(ada);
  const problem = part(ada, '[part="prejoin-problem"]');
  await problem.waitFor();
  expect(await problem.getAttribute('data-problem')).toBe('denied');
  expect(await part(ada, '.pf').textContent()).toContain('set Camera and Microphone to Allow');
  await mkdir('artifacts', { recursive: true });
  await ada.screenshot({ path: 'artifacts/prejoin-denied.png' });
  await part(ada, '[part~="prejoin-join-button"]').click();

  const bob = await openPage(browser, directUrl('pj-denied'), 'Bob');
  await waitForState(ada, 'connected');
  await waitForState(bob, 'connected');
  // Ada, without devices, sees Bob.
  await expectFramesFlowing(ada);
}

describe('the pre-join screen', () => {
  it('fills the device lists, moves the meter with the fake audio, and is screenshotted at two sizes', async () => {
    const ada = await openPage(browser, prejoinUrl('pj-lists'), 'Ada');
    await onPrejoin(ada);
    const cameras = part(ada, '[part="camera-select"] option');
    const microphones = part(ada, '[part="microphone-select"] option');
    await cameras.first().waitFor({ state: 'attached' });
    await microphones.first().waitFor({ state: 'attached' });
    expect(await cameras.count()).toBeGreaterThanOrEqual(1);
    expect(await microphones.count()).toBeGreaterThanOrEqual(1);
    // Labels come once the permission is granted: no "Camera 1" placeholders for the fake devices.
    expect(await cameras.first().textContent()).not.toMatch(/^Camera \d+$/);
    // The preview shows the camera.
    await ada.waitForFunction(
      () =>
        (document.querySelector('video-call')?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="preview-video"]')
          ?.videoWidth ?? 0) > 0,
    );

    // The meter, sampled every 100 ms for at most 4 s: it must vary with the beeps and exceed a floor.
    const levels = await ada.evaluate(async () => {
      const meter = () => document.querySelector('video-call')?.shadowRoot?.querySelector('meter');
      const seen: number[] = [];
      for (let i = 0; i < 40; i++) {
        seen.push(meter()?.value ?? -1);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return seen;
    });
    expect(Math.min(...levels), 'the meter is there all along').toBeGreaterThanOrEqual(0);
    expect(Math.max(...levels), `the meter rises above the floor: ${levels.join(' ')}`).toBeGreaterThan(0.1);
    expect(new Set(levels.map((level) => level.toFixed(2))).size, 'the meter moves').toBeGreaterThanOrEqual(5);

    await mkdir('artifacts', { recursive: true });
    await ada.setViewportSize({ width: 1280, height: 800 });
    await ada.screenshot({ path: 'artifacts/prejoin-1280x800.png' });
    await ada.setViewportSize({ width: 390, height: 844 });
    await ada.screenshot({ path: 'artifacts/prejoin-390x844.png' });
    // Narrow: one column, the Join button on screen.
    expect(await part(ada, '[part~="prejoin-join-button"]').isVisible()).toBe(true);
  });

  it('remembers the name across a reload, and the call joins under it with the preview’s tracks', async () => {
    const ada = await openPage(browser, prejoinUrl('pj-name'), undefined, recordPeerConnections);
    await onPrejoin(ada);
    await part(ada, '[part="name-input"]').fill('Ada Lovelace');
    await part(ada, '[part~="prejoin-join-button"]').click();
    await waitForState(ada, 'waiting');
    expect(await ada.evaluate(() => localStorage.getItem('vc-name'))).toBe('Ada Lovelace');
    expect(await part(ada, '[part~="self-tile"]').textContent()).toContain('Ada Lovelace');
    // The preview's tracks went to the call: devices were asked for once, and the self view shows the camera.
    expect(await ada.evaluate(() => (window as unknown as PcWindow).__getUserMedia)).toBe(1);
    await part(ada, '[part~="self-video"]').waitFor();
    await ada.reload();
    await onPrejoin(ada);
    await expect.poll(() => part(ada, '[part="name-input"]').inputValue()).toBe('Ada Lovelace');
  });

  it('joins with the camera off: the other side gets no video track and no frames, only audio', async () => {
    const ada = await openPage(browser, prejoinUrl('pj-camoff'), 'Ada', recordPeerConnections);
    await onPrejoin(ada);
    await part(ada, '[part="camera-off-check"]').check();
    await part(ada, '[part~="prejoin-join-button"]').click();
    const bob = await openPage(browser, directUrl('pj-camoff'), 'Bob');
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    expect(await ada.evaluate(() => document.querySelector('video-call')?.hasAttribute('camera-off'))).toBe(true);
    // Ada's side: the video sender has no track (and her camera is closed: no live video track anywhere).
    const senders = await ada.evaluate(() =>
      (window as unknown as PcWindow).__pcs
        .filter((pc) => pc.connectionState === 'connected')
        .flatMap((pc) => pc.getSenders().map((sender) => ({ kind: sender.track?.kind ?? null }))),
    );
    expect(senders.some((sender) => sender.kind === 'audio')).toBe(true);
    expect(senders.some((sender) => sender.kind === 'video')).toBe(false);
    // Bob's side: once 100 audio packets arrived (2 s of audio, sent from the same start as any video would be),
    // not one video frame has (a few video-SSRC packets may: bandwidth probes, padding without media).
    await expect.poll(async () => (await inbound(bob)).audioPackets, { timeout: 20_000 }).toBeGreaterThan(100);
    const got = await inbound(bob);
    expect(got.frames).toBe(0);
    expect(await part(bob, '[part~="remote-tile"] .avatar').count()).toBe(1);
  });

  it('says a refused permission and what to do, and joining without devices still connects the call', async () => {
    // A browser that says no, as a user's "Block" does: Chromium's deny flag instead of the fake-UI "Allow".
    const denying = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        ...CHROMIUM_FLAGS.filter((flag) => flag !== '--use-fake-ui-for-media-stream'),
        '--deny-permission-prompts',
      ],
    });
    try {
      await deniedJoinStillConnects(denying);
    } finally {
      await denying.close();
    }
  });
  it('switches the speaker with setSinkId, and an unknown speaker is refused', async () => {
    const ada = await openPage(browser, directUrl('pj-speaker'), 'Ada');
    const bob = await openPage(browser, directUrl('pj-speaker'), 'Bob');
    await waitForState(ada, 'connected');
    await part(ada, '[part~="remote-tile"] video').waitFor();
    const outcome = await ada.evaluate(async () => {
      const call = document.querySelector('video-call');
      if (call === null) throw new Error('no element');
      const outputs = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audiooutput');
      const unknown = await call.setDevices({ speaker: 'no-such-speaker' }).then(
        () => 'accepted',
        (error: unknown) => (error instanceof DOMException ? error.name : String(error)),
      );
      const id = outputs.find((d) => d.deviceId !== 'default' && d.deviceId !== '')?.deviceId ?? outputs[0]?.deviceId;
      let sinks: string[] = [];
      if (id !== undefined) {
        await call.setDevices({ speaker: id });
        call.requestUpdate();
        await call.updateComplete;
        sinks = [...(call.shadowRoot?.querySelectorAll<HTMLVideoElement>('video.remote') ?? [])].map((v) => v.sinkId);
      }
      return { outputs: outputs.length, id, unknown, sinks, hasSinkId: 'setSinkId' in HTMLMediaElement.prototype };
    });
    expect(outcome.hasSinkId).toBe(true);
    expect(outcome.unknown).toBe('NotFoundError');
    if (outcome.id === undefined) {
      console.warn(
        'prejoin: headless Chromium lists no audio output here; only the refusal of an unknown id was checked',
      );
    } else {
      // Every remote video plays on the chosen speaker, and so does one that arrives later.
      await expect
        .poll(() =>
          part(ada, 'video.remote')
            .first()
            .evaluate((v: HTMLVideoElement) => v.sinkId),
        )
        .toBe(outcome.id);
      console.info(`prejoin: ${outcome.outputs} audio output(s); the speaker switch was checked on ${outcome.id}`);
    }
    // The device menu shows the speaker picker where setSinkId exists.
    await part(ada, '[part~="devices-button"]').click();
    await part(ada, '[part="device-menu"]').waitFor();
    expect(await part(ada, '[part="device-menu"] .no-sink').count()).toBe(0);
    await bob.close();
  });

  it('switches the camera in the call from the device menu: the call stays up, video keeps coming, no renegotiation', async () => {
    const ada = await openPage(browser, prejoinUrl('pj-switch'), 'Ada', recordPeerConnections);
    await onPrejoin(ada);
    await part(ada, '[part~="prejoin-join-button"]').click();
    const bob = await openPage(browser, directUrl('pj-switch'), 'Bob', recordPeerConnections);
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    await expectFramesFlowing(bob);
    // Muted before the switch: the new microphone must stay muted.
    await part(ada, '[part~="mic-button"]').click();

    const sdp = (page: Page) =>
      page.evaluate(() =>
        (window as unknown as PcWindow).__pcs
          .filter((pc) => pc.connectionState === 'connected')
          .map((pc) => pc.sdpCount),
      );
    const trackIds = () =>
      ada.evaluate(() =>
        (window as unknown as PcWindow).__pcs
          .filter((pc) => pc.connectionState === 'connected')
          .flatMap((pc) =>
            pc.getSenders().map((s) => (s.track ? `${s.track.kind}:${s.track.id}:${s.track.enabled}` : null)),
          ),
      );
    const adaSdp = await sdp(ada);
    const bobSdp = await sdp(bob);
    const before = await trackIds();
    const bobPeer = await peerId(bob);
    const framesBefore = await framesDecoded(bob, bobPeer);

    await part(ada, '[part~="devices-button"]').click();
    const cameraSelect = part(ada, '[part="device-menu"] [part="camera-select"]');
    await cameraSelect.waitFor();
    const camera = await cameraSelect.inputValue();
    await cameraSelect.selectOption(camera);
    // And the microphone, through the public method.
    await ada.evaluate(async () => {
      const mic = (await navigator.mediaDevices.enumerateDevices()).find((d) => d.kind === 'audioinput');
      await document.querySelector('video-call')?.setDevices({ audio: mic?.deviceId ?? '' });
    });

    // New tracks on the same senders.
    await expect.poll(trackIds, { timeout: 10_000 }).not.toEqual(before);
    const after = await trackIds();
    const video = after.find((t) => t?.startsWith('video:'));
    const audio = after.find((t) => t?.startsWith('audio:'));
    expect(video).toBeDefined();
    expect(before).not.toContain(video);
    expect(audio, 'the new microphone stays muted').toMatch(/:false$/);
    expect(await ada.evaluate(() => document.querySelector('video-call')?.muted)).toBe(true);
    // Bob keeps receiving video (30 more frames decoded) on the same connection, with no new offer or answer.
    await expect.poll(() => framesDecoded(bob, bobPeer), { timeout: 20_000 }).toBeGreaterThan(framesBefore + 30);
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');
    expect(await sdp(ada)).toEqual(adaSdp);
    expect(await sdp(bob)).toEqual(bobSdp);
  });
});
