/**
 * What the network-quality test reads from a call page, and the link cap it
 * puts on a home router.
 *
 * - `openQualityCall`: the server's call page, recording every
 *   vc-network-quality event (with the time it fired) and every peer
 *   connection (its connectionState history, and the object itself, to read
 *   its senders' encoding parameters).
 * - `sample`: one look at the page, per remote peer, through the element's
 *   public getStats(): video bytes sent and the encoder's target, audio
 *   packets sent and received, the candidate pair's RTT and available
 *   outgoing bitrate, the tile's quality indicator; per peer connection, its
 *   video senders' maxBitrate and scaleResolutionDownBy.
 * - `capLink` / `uncapLink`: `tc tbf` on both of a router's interfaces
 *   (`wan` egress: the home's upload; `lan` egress: its download). `tc netem`
 *   is not available here; tbf is.
 */
import type { Browser, Page } from 'playwright-core';
import { openPage } from '../e2e/browser.js';
import type { HomeName, NatLab } from './lab.js';
import { SERVER_ORIGIN } from './services.js';
import { must } from './shell.js';
import type { VideoCallEventDetails } from '../../web/events.js';

/** A `vc-network-quality` event's detail, stamped with when the page heard it. */
export type QualityEvent = VideoCallEventDetails['vc-network-quality'] & { at: number };

export interface PeerSample {
  peer: string;
  /** The tile's `part="quality"` indicator's class attribute, or null when the tile has none. */
  indicator: string | null;
  videoBytesSent: number;
  /** outbound-rtp targetBitrate of the camera, bits per second. */
  targetBitrate: number | null;
  limitation: string | null;
  sentHeight: number | null;
  audioPacketsSent: number;
  audioPacketsReceived: number;
  rtt: number | null;
  availableOutgoingBitrate: number | null;
  ssrcs: number[];
}

export interface ConnectionSample {
  state: string;
  states: Array<[number, string]>;
  /** Outbound ssrcs, to tell which peer this connection goes to. */
  ssrcs: number[];
  video: Array<{ maxBitrate: number | null; scale: number | null }>;
}

export interface PageSample {
  at: number;
  peers: PeerSample[];
  connections: ConnectionSample[];
  quality: QualityEvent[];
}

interface QualityWindow {
  __qualityEvents: QualityEvent[];
  __qualityPcs: Array<{ pc: RTCPeerConnection; states: Array<[number, string]> }>;
}

/** Runs in the page before its scripts. */
function instrument(): void {
  const scope = window as unknown as QualityWindow;
  scope.__qualityEvents = [];
  scope.__qualityPcs = [];
  addEventListener('vc-network-quality', (event) =>
    scope.__qualityEvents.push({ at: Date.now(), ...(event as CustomEvent<Omit<QualityEvent, 'at'>>).detail }),
  );
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      const record = { pc: this as RTCPeerConnection, states: [] as Array<[number, string]> };
      scope.__qualityPcs.push(record);
      this.addEventListener('connectionstatechange', () => record.states.push([Date.now(), this.connectionState]));
    }
  };
}

export function openQualityCall(browser: Browser, room: string, name: string): Promise<Page> {
  return openPage(browser, `${SERVER_ORIGIN}/r/${room}`, name, instrument);
}

export function sample(page: Page): Promise<PageSample> {
  return page.evaluate(async () => {
    const scope = window as unknown as QualityWindow;
    const call = document.querySelector('video-call') as
      (HTMLElement & { getStats(peer: string): Promise<RTCStatsReport | undefined> }) | null;
    const tiles = [...(call?.shadowRoot?.querySelectorAll<HTMLElement>('[part~="remote-tile"]') ?? [])];
    const peers: PeerSample[] = [];
    for (const tile of tiles) {
      const peer = tile.dataset.peer ?? '';
      const indicator = tile.querySelector('[part~="quality"]')?.getAttribute('class') ?? null;
      const s: PeerSample = {
        peer,
        indicator,
        videoBytesSent: 0,
        targetBitrate: null,
        limitation: null,
        sentHeight: null,
        audioPacketsSent: 0,
        audioPacketsReceived: 0,
        rtt: null,
        availableOutgoingBitrate: null,
        ssrcs: [],
      };
      let selectedPair: string | undefined;
      const pairs = new Map<string, Record<string, unknown>>();
      (await call?.getStats(peer))?.forEach((stat: Record<string, unknown>) => {
        if (stat.type === 'outbound-rtp') s.ssrcs.push(Number(stat.ssrc));
        if (stat.type === 'outbound-rtp' && stat.kind === 'video') {
          s.videoBytesSent += Number(stat.bytesSent ?? 0);
          if (typeof stat.targetBitrate === 'number') s.targetBitrate = (s.targetBitrate ?? 0) + stat.targetBitrate;
          if (typeof stat.qualityLimitationReason === 'string') s.limitation = stat.qualityLimitationReason;
          if (typeof stat.frameHeight === 'number') s.sentHeight = stat.frameHeight;
        }
        if (stat.type === 'outbound-rtp' && stat.kind === 'audio') s.audioPacketsSent += Number(stat.packetsSent ?? 0);
        if (stat.type === 'inbound-rtp' && stat.kind === 'audio')
          s.audioPacketsReceived += Number(stat.packetsReceived ?? 0);
        if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string')
          selectedPair = stat.selectedCandidatePairId;
        if (stat.type === 'candidate-pair') pairs.set(String(stat.id), stat);
      });
      const pair = selectedPair === undefined ? undefined : pairs.get(selectedPair);
      if (typeof pair?.currentRoundTripTime === 'number') s.rtt = pair.currentRoundTripTime;
      if (typeof pair?.availableOutgoingBitrate === 'number')
        s.availableOutgoingBitrate = pair.availableOutgoingBitrate;
      peers.push(s);
    }
    const connections: ConnectionSample[] = [];
    for (const { pc, states } of scope.__qualityPcs) {
      const ssrcs: number[] = [];
      (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
        if (stat.type === 'outbound-rtp') ssrcs.push(Number(stat.ssrc));
      });
      const video = pc
        .getSenders()
        .filter((sender) => sender.track?.kind === 'video')
        .map((sender) => {
          const encoding = sender.getParameters().encodings[0];
          return { maxBitrate: encoding?.maxBitrate ?? null, scale: encoding?.scaleResolutionDownBy ?? null };
        });
      connections.push({ state: pc.connectionState, states, ssrcs, video });
    }
    return { at: Date.now(), peers, connections, quality: scope.__qualityEvents };
  });
}

/** The connection of `page` that carries `peer`'s outbound streams (matched by ssrc). */
export function connectionTo(s: PageSample, peer: string): ConnectionSample | undefined {
  const ssrcs = new Set(s.peers.find((p) => p.peer === peer)?.ssrcs ?? []);
  return s.connections.find((c) => c.ssrcs.some((ssrc) => ssrcs.has(ssrc)));
}

/** Bits per second of video sent to `peer` between two samples. */
export function videoRate(from: PageSample, to: PageSample, peer?: string): number {
  const bytes = (s: PageSample) =>
    s.peers.filter((p) => peer === undefined || p.peer === peer).reduce((sum, p) => sum + p.videoBytesSent, 0);
  return ((bytes(to) - bytes(from)) * 8 * 1000) / Math.max(1, to.at - from.at);
}

/** Audio packets per second received from `peer` between two samples. */
export function audioReceivedRate(from: PageSample, to: PageSample, peer: string): number {
  const packets = (s: PageSample) => s.peers.find((p) => p.peer === peer)?.audioPacketsReceived ?? 0;
  return ((packets(to) - packets(from)) * 1000) / Math.max(1, to.at - from.at);
}

export interface LinkCap {
  rateKbit: number;
  /** The most a packet may wait in the router's queue: with the rate, the queue's size. */
  latencyMs: number;
  /** Bytes sent at line rate before the bucket empties. */
  burstBytes: number;
}

/** tbf on the router's wan (upload) and lan (download) egress. */
export async function capLink(lab: NatLab, home: HomeName, cap: LinkCap): Promise<void> {
  for (const device of ['wan', 'lan']) {
    await must('ip', [
      'netns',
      'exec',
      lab.routerNs(home),
      'tc',
      'qdisc',
      'replace',
      'dev',
      device,
      'root',
      'tbf',
      'rate',
      `${cap.rateKbit}kbit`,
      'burst',
      String(cap.burstBytes),
      'latency',
      `${cap.latencyMs}ms`,
    ]);
  }
}

export async function uncapLink(lab: NatLab, home: HomeName): Promise<void> {
  for (const device of ['wan', 'lan'])
    await must('ip', ['netns', 'exec', lab.routerNs(home), 'tc', 'qdisc', 'del', 'dev', device, 'root']);
}

/** What tc says of the router's qdiscs: sent bytes, drops, overlimits (for the test's output). */
export async function linkStats(lab: NatLab, home: HomeName): Promise<string> {
  const out = await must('ip', ['netns', 'exec', lab.routerNs(home), 'tc', '-s', 'qdisc', 'show']);
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('qdisc tbf') || line.startsWith('Sent'))
    .join(' | ');
}
