/**
 * Network quality and bandwidth adaptation through a thin uplink (issue 15):
 * a 3-peer call in the NAT lab (Ada behind cone-a, Bob behind cone-b, Cy
 * behind sym-a; STUN and the bundled relay handed out, so each pair takes
 * the path the lab gives it: cone ↔ cone peer to peer, symmetric ↔ cone
 * relayed), then a `tc tbf` cap of 400 kbit/s on both of cone-a's router
 * interfaces (Ada's upload and download), then the cap removed.
 *
 * | phase | asserted | bound |
 * |---|---|---|
 * | before | all connected, video playing; Ada sends more video than the cap would carry | 60 s to connect, 45 s to ramp up |
 * | before | Ada's indicators known and better than poor (else a poor one after the cap proves nothing) | 45 s |
 * | cap | one of Ada's indicators turns `poor` (vc-network-quality and the tile's part=quality); each peer's time printed | 10 s (the issue) |
 * | cap | Ada's video senders lower their rate (bytesSent over a window, before vs during) | measured over the cap's last 10 s |
 * | cap | audio keeps flowing both ways (on every page, from every peer, at least 3 in 4 of Opus’s 50 packets/s); every connection stays connected | the whole cap |
 * | uncap | Ada's indicators come back to their classes before the cap (so leave `poor`); her video rate rises again (above 1.5× the capped rate) | 45 s |
 *
 * Derived bounds: the cap is held 25 s (10 s to turn poor, then a 10 s
 * window measured after 5 s of adaptation); recovery gets 45 s (the quality
 * window, 6 s, plus 4 better samples at 1 s to step up, then the congestion
 * controller's ramp from the capped rate; ×3 for two shared cores). Every
 * case's numbers are printed ([quality] lines) for the report.
 */
import { loadavg } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatLab, RELAY_IP } from './lab.js';
import { smallCamera, type SmallCamera } from '../helpers/small-camera.js';
import { UP_AFTER, WINDOW_MS } from '../../web/insights/quality.js';
import { TICK_MS } from '../../web/insights/index.js';
import { waitForState } from '../e2e/browser.js';
import { launchIn } from './browser.js';
import { startBundledRelay, startSignaling, TURN_PORT, type Service } from './services.js';
import {
  audioReceivedRate,
  capLink,
  connectionTo,
  linkStats,
  openQualityCall,
  sample,
  uncapLink,
  videoRate,
  type LinkCap,
  type PageSample,
} from './quality-pages.js';

const CONNECT_MS = 60_000;
const RAMP_MS = 45_000;
/** The issue's bound. */
const POOR_MS = 10_000;
const CAP_HOLD_MS = 25_000;
/** The window the capped rate is measured over: the last 10 s of the cap. */
const CAP_WINDOW_MS = 10_000;
/**
 * The element's quality window and steps up (web/insights), three times over for two shared cores,
 * plus 15 s for the congestion controller to climb from the capped rate: 45 s.
 */
const RECOVER_MS = 3 * (WINDOW_MS + UP_AFTER * TICK_MS) + 15_000;
const POLL_MS = 1_000;
/** The issue's cap; a queue of 250 ms at that rate, as a modest home router's buffer. */
const CAP: LinkCap = { rateKbit: 400, latencyMs: 250, burstBytes: 8_000 };
/** Opus sends a packet every 20 ms: 50 a second. */
const AUDIO_PACKETS_PER_SECOND = 50;
/** Audio is not starved: at least three packets in four arrive through the cap (observed without adaptation: all). */
const AUDIO_KEPT = 0.75;

/**
 * Noise at 320×240, 15 fps: a sender never has enough bits for it, so it sends all its congestion
 * controller allows and the estimate climbs past the cap before it (the built-in 640×480 pattern
 * is simple enough to leave the sender application-limited at about 200 kbit/s, below the cap),
 * at a quarter of the built-in camera's pixels per second for three browsers on two cores.
 */
const CAMERA = { width: 320, height: 240, fps: 15, pattern: 'noise' } as const;
const CAPPED = 'cone-a';
const HOMES = [CAPPED, 'cone-b', 'sym-a'] as const;
const NAMES = ['Ada', 'Bob', 'Cy'];

let lab: NatLab | undefined;
let services: Service[] = [];
let browsers: Browser[] = [];
let camera: SmallCamera | undefined;

beforeAll(async () => {
  camera = await smallCamera(CAMERA);
  lab = await NatLab.build();
  services.push(await startBundledRelay(lab, { address: RELAY_IP, port: TURN_PORT }));
  // startSignaling passes its argument through as the server's environment: three in a room.
  const env = {
    STUN_URLS: `stun:${RELAY_IP}:${TURN_PORT}`,
    TURN_URLS: `turn:${RELAY_IP}:${TURN_PORT}?transport=udp`,
    ROOM_CAPACITY: '3',
  };
  services.push(await startSignaling(lab, env));
});
afterAll(async () => {
  await Promise.allSettled(browsers.map((browser) => browser.close()));
  await Promise.allSettled(services.map((service) => service.stop()));
  browsers = [];
  services = [];
  await lab?.teardown();
  await camera?.close();
});

function requireLab(): NatLab {
  if (lab === undefined) throw new Error('the NAT lab was not built');
  return lab;
}

const RANK = ['good', 'fair', 'poor'];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kbps = (bps: number) => `${Math.round(bps / 1000)} kbit/s`;

describe('network quality and adaptation through a 400 kbit/s cap on one home router', () => {
  it('an indicator of the capped side turns poor within 10 s; it lowers its video, keeps audio and the call, and recovers', async () => {
    const say = (line: string) => console.log(`[quality] ${line}`);
    browsers = await Promise.all(HOMES.map((home) => launchIn(requireLab(), home, camera?.flags)));
    const pages: Page[] = [];
    for (const [i, browser] of browsers.entries())
      pages.push(await openQualityCall(browser, 'thin', NAMES[i] as string));
    const [ada] = pages as [Page, Page, Page];
    const t0 = Date.now();
    for (const page of pages) await waitForState(page, 'connected', CONNECT_MS);
    for (const page of pages) {
      await page.waitForFunction(
        () => {
          const root = document.querySelector('video-call')?.shadowRoot;
          const videos = [...(root?.querySelectorAll<HTMLVideoElement>('[part~="remote-tile"] video') ?? [])];
          return videos.length === 2 && videos.every((video) => video.videoWidth > 0);
        },
        undefined,
        { timeout: CONNECT_MS },
      );
    }
    say(`all three connected, both remote videos showing on every page: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // Names for the peer ids each page sees.
    const ids = await Promise.all(
      pages.map((page) =>
        page.evaluate(
          () =>
            (
              (window as unknown as { __vcEvents: Array<[string, { id?: string }]> }).__vcEvents.find(
                ([type]) => type === 'vc-joined',
              )?.[1] as { id: string } | undefined
            )?.id ?? '',
        ),
      ),
    );
    const nameOf = (id: string) => NAMES[ids.indexOf(id)] ?? id;

    // Ramp up: the cap must bind, so Ada first sends more video than it would carry; and her
    // indicators must be known and better than poor, or a poor one after the cap would prove nothing.
    const latestQuality = (s: PageSample) => new Map(s.quality.map((event) => [event.peerId, event.quality]));
    const poorBeforeCap = (s: PageSample) =>
      s.peers.length !== 2 || s.peers.some((p) => (latestQuality(s).get(p.peer) ?? 'poor') === 'poor');
    const history: PageSample[] = [await sample(ada)];
    const rampUntil = Date.now() + RAMP_MS;
    let before = 0;
    for (let poll = 0; poll < RAMP_MS / POLL_MS + 5 && Date.now() < rampUntil; poll++) {
      await pause(POLL_MS);
      history.push(await sample(ada));
      const from = history[Math.max(0, history.length - 4)] as PageSample;
      before = videoRate(from, history.at(-1) as PageSample);
      if (history.length >= 4 && before > CAP.rateKbit * 1000 && !poorBeforeCap(history.at(-1) as PageSample)) break;
    }
    const beforeSample = history.at(-1) as PageSample;
    const rampFrom = history[Math.max(0, history.length - 4)] as PageSample;
    const preCap = latestQuality(beforeSample);
    const peersOfAda = beforeSample.peers.map((p) => p.peer);
    const describePeers = (s: PageSample) =>
      s.peers
        .map((p) => {
          const encoding = connectionTo(s, p.peer)?.video[0];
          return (
            `${nameOf(p.peer)}: target ${p.targetBitrate === null ? '?' : kbps(p.targetBitrate)}, sent height ${p.sentHeight ?? '?'}, ` +
            `limitation ${p.limitation ?? '?'}, available out ${p.availableOutgoingBitrate === null ? '?' : kbps(p.availableOutgoingBitrate)}, ` +
            `rtt ${p.rtt === null ? '?' : `${Math.round(p.rtt * 1000)} ms`}, indicator ${p.indicator ?? 'none'}, ` +
            `sender maxBitrate ${encoding?.maxBitrate ?? 'unset'} scaleDown ${encoding?.scale ?? 'unset'}`
          );
        })
        .join('; ');
    say(`before the cap: Ada sends ${kbps(before)} of video over the last 3 s; ${describePeers(beforeSample)}`);
    say(
      `quality events on Ada before the cap: ${JSON.stringify(beforeSample.quality.map((e) => [nameOf(e.peerId), e.quality]))}`,
    );
    expect(
      before,
      'before the cap, Ada sends more video than the cap carries (or the cap would prove nothing)',
    ).toBeGreaterThan(CAP.rateKbit * 1000);
    expect(
      poorBeforeCap(beforeSample),
      `before the cap, Ada's indicators are known and better than poor (if not: this machine is too loaded ` +
        `for the call to be good without a cap; load average ${loadavg()
          .map((n) => n.toFixed(1))
          .join(' ')})`,
    ).toBe(false);

    // The cap.
    const othersAtCap = await Promise.all(pages.map(sample));
    await capLink(requireLab(), CAPPED, CAP);
    const capAt = Date.now();
    say(
      `cap: tbf rate ${CAP.rateKbit}kbit burst ${CAP.burstBytes} latency ${CAP.latencyMs}ms on ${CAPPED}'s wan and lan`,
    );
    const during: PageSample[] = [await sample(ada)];
    const poorSeenInTile = new Map<string, number>();
    for (let poll = 0; poll < CAP_HOLD_MS / POLL_MS + 5 && Date.now() < capAt + CAP_HOLD_MS; poll++) {
      await pause(POLL_MS);
      const s = await sample(ada);
      during.push(s);
      for (const p of s.peers)
        if (p.indicator?.split(' ').includes('poor') && !poorSeenInTile.has(p.peer)) poorSeenInTile.set(p.peer, s.at);
    }
    const afterCap = await Promise.all(pages.map(sample));
    const last = during.at(-1) as PageSample;
    const windowStart = during.find((s) => s.at >= last.at - CAP_WINDOW_MS) as PageSample;
    const capped = videoRate(windowStart, last);
    const poorAt = new Map<string, number>();
    for (const event of last.quality)
      if (event.at >= capAt && event.quality === 'poor' && !poorAt.has(event.peerId))
        poorAt.set(event.peerId, event.at);
    const capEvents = last.quality
      .filter((e) => e.at >= capAt)
      .map(
        (e) =>
          `${nameOf(e.peerId)} ${e.quality} @${((e.at - capAt) / 1000).toFixed(1)} s (rtt ${e.rtt?.toFixed(3) ?? '?'} s, loss ${e.loss?.toFixed(3) ?? '?'}, ` +
          `jitter ${e.jitter?.toFixed(3) ?? '?'} s, out ${e.availableOutgoingBitrate === null ? '?' : kbps(e.availableOutgoingBitrate)}, ${e.limitation ?? '?'})`,
      );
    say(`vc-network-quality on Ada during the cap: ${capEvents.join('; ') || 'none'}`);
    for (const peer of peersOfAda) {
      const at = poorAt.get(peer);
      const tile = poorSeenInTile.get(peer);
      say(
        `Ada → ${nameOf(peer)}: poor after ${at === undefined ? 'never' : `${((at - capAt) / 1000).toFixed(1)} s`} (event), ` +
          `${tile === undefined ? 'never' : `${((tile - capAt) / 1000).toFixed(1)} s`} (tile, polled each ${POLL_MS / 1000} s)`,
      );
    }
    say(
      `during the cap (its last ${CAP_WINDOW_MS / 1000} s): Ada sends ${kbps(capped)} of video (before: ${kbps(before)}); ${describePeers(last)}`,
    );
    for (const peer of peersOfAda)
      say(
        `  to ${nameOf(peer)}: ${kbps(videoRate(rampFrom, beforeSample, peer))} before, ${kbps(videoRate(windowStart, last, peer))} during`,
      );
    const audio: Array<{ page: string; from: string; rate: number }> = [];
    for (const [i, start] of othersAtCap.entries()) {
      const end = afterCap[i] as PageSample;
      for (const p of end.peers)
        audio.push({ page: NAMES[i] as string, from: nameOf(p.peer), rate: audioReceivedRate(start, end, p.peer) });
    }
    say(
      `audio packets/s received during the cap: ${audio.map((a) => `${a.page} from ${a.from} ${a.rate.toFixed(1)}`).join(', ')} (nominal ${AUDIO_PACKETS_PER_SECOND})`,
    );
    const states = afterCap.map((s, i) => `${NAMES[i]}: ${s.connections.map((c) => c.state).join(' ')}`);
    const troubled = afterCap.flatMap((s, i) =>
      s.connections.flatMap((c) =>
        c.states
          .filter(([at, state]) => at >= capAt && state !== 'connected')
          .map(([at, state]) => `${NAMES[i]} ${state} @${((at - capAt) / 1000).toFixed(1)} s`),
      ),
    );
    say(`connections after the cap: ${states.join('; ')}; other states during it: ${troubled.join(', ') || 'none'}`);
    say(`router: ${await linkStats(requireLab(), CAPPED)}`);

    // The cap removed.
    await uncapLink(requireLab(), CAPPED);
    const releasedAt = Date.now();
    const recovery: PageSample[] = [await sample(ada)];
    let recovered: { quality?: number; rate?: number } = {};
    let recoveredRate = 0;
    for (let poll = 0; poll < RECOVER_MS / POLL_MS + 5 && Date.now() < releasedAt + RECOVER_MS; poll++) {
      await pause(POLL_MS);
      const s = await sample(ada);
      recovery.push(s);
      const latest = new Map<string, string>();
      for (const event of s.quality) latest.set(event.peerId, event.quality);
      // Back: every peer's class is at least as good as it was before the cap (so no longer poor).
      const left = peersOfAda.every(
        (peer) => RANK.indexOf(latest.get(peer) ?? 'poor') <= RANK.indexOf(preCap.get(peer) ?? 'good'),
      );
      if (recovered.quality === undefined && left) recovered = { ...recovered, quality: s.at };
      recoveredRate = videoRate(recovery[Math.max(0, recovery.length - 4)] as PageSample, s);
      if (recovered.rate === undefined && recovery.length >= 4 && recoveredRate > capped * 1.5)
        recovered = { ...recovered, rate: s.at };
      if (recovered.quality !== undefined && recovered.rate !== undefined) break;
    }
    const end = recovery.at(-1) as PageSample;
    const after = (at?: number) =>
      at === undefined ? 'not within the bound' : `${((at - releasedAt) / 1000).toFixed(1)} s`;
    say(
      `cap removed: indicators back to their classes before the cap (${[...preCap].map(([id, q]) => `${nameOf(id)} ${q}`).join(', ')}) after ${after(recovered.quality)}; video rate above 1.5× the capped rate after ${after(recovered.rate)} (last 3 s: ${kbps(recoveredRate)})`,
    );
    say(`after the cap: ${describePeers(end)}`);
    say(
      `vc-network-quality on Ada after the cap: ${
        end.quality
          .filter((e) => e.at >= releasedAt)
          .map((e) => `${nameOf(e.peerId)} ${e.quality} @${((e.at - releasedAt) / 1000).toFixed(1)} s`)
          .join('; ') || 'none'
      }`,
    );

    // The assertions, after every number is out.
    // Both of Ada's connections cross the cap; the first to turn poor is her indicator turning poor.
    const firstPoor = peersOfAda
      .filter((peer) => poorAt.has(peer))
      .sort((a, b) => (poorAt.get(a) as number) - (poorAt.get(b) as number))[0];
    expect(firstPoor, `one of Ada's vc-network-quality classes turns poor during the cap`).toBeDefined();
    const poorAfter = (poorAt.get(firstPoor as string) as number) - capAt;
    expect(poorAfter, `Ada's ${nameOf(firstPoor as string)} indicator poor within ${POOR_MS} ms`).toBeLessThanOrEqual(
      POOR_MS,
    );
    expect(
      poorSeenInTile.has(firstPoor as string),
      `Ada's tile for ${nameOf(firstPoor as string)} shows part=quality with class poor`,
    ).toBe(true);
    expect(capped, 'Ada sends less video during the cap than before it').toBeLessThan(before);
    for (const { page, from, rate } of audio)
      expect(rate, `${page} receives ${from}'s audio during the cap`).toBeGreaterThanOrEqual(
        AUDIO_KEPT * AUDIO_PACKETS_PER_SECOND,
      );
    for (const [i, s] of afterCap.entries()) {
      expect(s.connections.length, `${NAMES[i]}'s peer connections`).toBe(2);
      for (const c of s.connections) expect(c.state, `${NAMES[i]}'s connection after the cap`).toBe('connected');
      expect(
        s.connections.flatMap((c) =>
          c.states.filter(([at, state]) => at >= capAt && (state === 'failed' || state === 'closed')),
        ),
      ).toEqual([]);
    }
    expect(recovered.quality, "Ada's indicators come back to their classes before the cap").toBeDefined();
    expect(recovered.rate, "Ada's video rate rises once the cap is removed").toBeDefined();
  }, 300_000);
});
