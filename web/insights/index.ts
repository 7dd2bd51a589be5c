/**
 * The call's insights, a lazy chunk the element loads when a call starts:
 * every second it reads each peer connection's stats and from them
 *  - grades the network to each peer (quality.ts): `vc-network-quality` and
 *    the `quality` indicator on the peer's tile;
 *  - sets what the camera and screen senders to each peer may use
 *    (adaptation.ts), through RTCRtpSender.setParameters();
 *  - finds the active speaker (speaker.ts): `vc-speaker` and the `speaking`
 *    class of their tile.
 * Until it has loaded, or if it cannot load, the call works without them.
 *
 * It reads the call (its peers, their connections, this side's id) and
 * imports nothing at run time, like every chunk (chunk-loader.ts): `html`
 * comes from the element, events are dispatched here.
 */
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import type { CallState, VideoCallEventDetails } from '../events.js';
import type { ViewContext } from '../views/view-context.js';
import { quality as english } from '../strings/en-quality.js';
import { Budget, cameraEncoding, screenEncoding } from './adaptation.js';
import { QualityTracker } from './quality.js';
import { SpeakerTracker } from './speaker.js';
import { audioLevel, readSample, type Sample } from './stats.js';

/** Between two readings of the stats. The policies count time, not readings, except the hysteresis. */
export const TICK_MS = 1_000;
/** From this many peers on, every other tick: each reading costs a getStats() per peer, and a big mesh is short of CPU. */
export const SLOW_FROM_PEERS = 4;

export interface InsightsHost extends ReactiveControllerHost, EventTarget {
  readonly muted: boolean;
}

/** What the chunk reads of the call (call-controller.ts). */
export interface InsightsCall {
  readonly id: string | undefined;
  readonly state: CallState;
  readonly peers: ReadonlyMap<string, { readonly link: { readonly pc: RTCPeerConnection } }>;
}

export interface Insights {
  styles: CSSStyleSheet;
  /** `speaking` for the active speaker's id (a peer's, or this side's), '' for anyone else. */
  speaking(id: string | undefined): string;
  /** The `quality` indicator of a remote tile, once its class is known. */
  indicator(peerId: string): TemplateResult | undefined;
}

const CSS = `
  .quality { display: inline-flex; align-items: flex-end; gap: 2px; height: 12px; margin-left: 4px; }
  .quality i { width: 3px; height: 4px; border-radius: 1px; background: currentColor; opacity: 0.3; }
  .quality i:nth-child(2) { height: 8px; }
  .quality i:nth-child(3) { height: 12px; }
  .quality.good i, .quality.fair i:nth-child(-n + 2), .quality.poor i:first-child { opacity: 1; }
  .quality.good { color: #3fb950; }
  .quality.fair { color: #d29922; }
  .quality.poor { color: var(--_danger); }
  .tile.speaking { outline: 3px solid var(--_accent); outline-offset: -3px; }
`;

const ENDED: readonly CallState[] = ['idle', 'left', 'failed'];

interface PeerInsight {
  quality: QualityTracker;
  budget: Budget;
  last: Sample | undefined;
}

export function insights(host: InsightsHost, call: InsightsCall, view: ViewContext): Insights {
  const controller = new InsightsController(host, call, view);
  host.addController(controller);
  return controller;
}

class InsightsController implements ReactiveController, Insights {
  readonly styles = new CSSStyleSheet();
  private readonly peers = new Map<string, PeerInsight>();
  private speaker = new SpeakerTracker();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly host: InsightsHost,
    private readonly call: InsightsCall,
    private readonly view: ViewContext,
  ) {
    this.styles.replaceSync(CSS);
  }

  /** Runs while a call does: the element updates on every change of the call's state. */
  hostUpdated(): void {
    if (ENDED.includes(this.call.state)) this.stop();
    else if (!this.running) {
      this.running = true;
      this.schedule();
    }
  }

  hostDisconnected(): void {
    this.stop();
  }

  speaking(id: string | undefined): string {
    return id !== undefined && this.speaker.speaker === id ? 'speaking' : '';
  }

  indicator(peerId: string): TemplateResult | undefined {
    const quality = this.peers.get(peerId)?.quality.quality;
    if (quality === undefined) return undefined;
    const word = (this.view.locale()?.quality ?? english)[quality];
    return this.view.html`<span part="quality" class="quality ${quality}" role="img" aria-label=${word} title=${word}
      ><i></i><i></i><i></i
    ></span>`;
  }

  private schedule(): void {
    const slow = this.call.peers.size >= SLOW_FROM_PEERS;
    this.timer = setTimeout(() => void this.tick(), slow ? 2 * TICK_MS : TICK_MS);
  }

  private stop(): void {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    this.peers.clear();
    if (this.speaker.speaker !== null) this.fire('vc-speaker', { id: null });
    this.speaker = new SpeakerTracker();
    this.host.requestUpdate();
  }

  private async tick(): Promise<void> {
    const links = [...this.call.peers].map(([id, { link }]) => ({ id, pc: link.pc }));
    const reports = await Promise.all(links.map(({ pc }) => pc.getStats().catch(() => undefined)));
    if (!this.running) return;
    const now = performance.now();
    const count = links.length;
    const levels = new Map<string, number>();
    let local: number | null = null;
    let changed = false;
    for (const id of this.peers.keys()) if (!this.call.peers.has(id)) this.peers.delete(id);
    links.forEach(({ id, pc }, index) => {
      const report = reports[index];
      if (report === undefined) return;
      const sample = readSample(report as unknown as Parameters<typeof readSample>[0], now);
      let peer = this.peers.get(id);
      if (peer === undefined)
        this.peers.set(id, (peer = { quality: new QualityTracker(), budget: new Budget(count), last: undefined }));
      const quality = peer.quality.add(sample);
      if (quality !== undefined) {
        changed = true;
        this.fire('vc-network-quality', { peerId: id, quality, ...peer.quality.metrics });
      }
      if (peer.last !== undefined) peer.budget.update(count, peer.quality.metrics, now);
      const level = audioLevel(peer.last?.remoteAudio ?? null, sample.remoteAudio);
      if (level !== null) levels.set(id, level);
      local ??= audioLevel(peer.last?.localAudio ?? null, sample.localAudio);
      peer.last = sample;
      void adapt(pc, count, peer.budget.bps);
    });
    if (this.call.id !== undefined && local !== null) levels.set(this.call.id, this.host.muted ? 0 : local);
    if (this.speaker.update(levels, now)) {
      changed = true;
      this.fire('vc-speaker', { id: this.speaker.speaker });
    }
    if (changed) this.host.requestUpdate();
    this.schedule();
  }

  private fire<K extends 'vc-network-quality' | 'vc-speaker'>(name: K, detail: VideoCallEventDetails[K]): void {
    this.host.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

/**
 * The camera is the first video transceiver (transceivers.ts); any other one this side sends on is a
 * screen. Audio is only given priority. A sender not yet negotiated has no encodings: the next tick
 * tries again, as it does after a rejected setParameters().
 */
async function adapt(pc: RTCPeerConnection, peers: number, bps: number): Promise<void> {
  const transceivers = pc.getTransceivers().filter((t) => t.sender.track !== null);
  const video = pc.getTransceivers().filter((t) => t.receiver.track.kind === 'video');
  await Promise.all(
    transceivers.map(({ sender }) => {
      const track = sender.track as MediaStreamTrack;
      if (track.kind === 'audio') return set(sender, { priority: 'high', networkPriority: 'high' });
      return set(
        sender,
        sender === video[0]?.sender
          ? cameraEncoding(peers, bps, track.getSettings().height ?? 720)
          : screenEncoding(bps),
      );
    }),
  );
}

async function set(sender: RTCRtpSender, want: Partial<RTCRtpEncodingParameters>): Promise<void> {
  const parameters = sender.getParameters();
  const [encoding] = parameters.encodings;
  if (encoding === undefined) return;
  const current = encoding as Record<string, unknown>;
  if (Object.entries(want).every(([key, value]) => current[key] === value)) return;
  Object.assign(encoding, want);
  await sender.setParameters(parameters).catch(() => undefined);
}
