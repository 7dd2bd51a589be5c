/**
 * The stage the tiles are on: it fits them into the space the element has
 * (layout.ts), knows which tile is pinned, and keeps one <video> per remote
 * stream across renders. Lit reuses a list's DOM by position, so without
 * that a peer leaving would hand every later tile's <video> another stream,
 * and each would go black and buffer again; a kept <video> moves with its
 * peer and plays on (a media element moved within one task is not paused).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { fitGrid, type Grid } from '../layout.js';

type Host = ReactiveControllerHost & { readonly renderRoot: HTMLElement | DocumentFragment };

export class Stage implements ReactiveController {
  /** The key of the pinned tile (`self`, a peer id, or `screen:<peer id>`), if one is. */
  pinned: string | undefined;
  private width = 0;
  private height = 0;
  private observed: Element | undefined;
  private readonly observer = new ResizeObserver(([entry]) => {
    if (entry === undefined) return;
    this.width = entry.contentRect.width;
    this.height = entry.contentRect.height;
    this.host.requestUpdate();
  });
  private readonly videos = new Map<string, HTMLVideoElement>();

  constructor(private readonly host: Host) {
    host.addController(this);
  }

  hostUpdated(): void {
    const stage = this.host.renderRoot.querySelector('.stage') ?? undefined;
    if (stage === this.observed) return;
    this.observer.disconnect();
    if (stage !== undefined) this.observer.observe(stage);
    this.observed = stage;
  }

  hostDisconnected(): void {
    this.observer.disconnect();
    this.observed = undefined;
  }

  /** The grid for `count` tiles, `gap` pixels apart. */
  fit(count: number, gap: number): Grid {
    return fitGrid(count, this.width, this.height, gap);
  }

  /** The <video> that shows `stream` under `key`, made on first need. */
  video(key: string, stream: MediaStream | null): HTMLVideoElement {
    let video = this.videos.get(key);
    if (video === undefined) {
      video = document.createElement('video');
      video.className = 'remote';
      video.setAttribute('part', 'video remote-video');
      video.autoplay = video.playsInline = true;
      this.videos.set(key, video);
    }
    if (video.srcObject !== stream) video.srcObject = stream;
    return video;
  }

  /** Forgets the videos (and a pin) of tiles that are gone. */
  keep(keys: Set<string>): void {
    for (const [key, video] of this.videos) {
      if (keys.has(key)) continue;
      video.srcObject = null;
      this.videos.delete(key);
    }
    if (this.pinned !== undefined && this.pinned !== 'self' && !keys.has(this.pinned)) this.pinned = undefined;
  }

  togglePin(key: string): void {
    this.pinned = this.pinned === key ? undefined : key;
    this.host.requestUpdate();
  }
}
