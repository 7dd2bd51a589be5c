import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { MediaController, type DeviceChoice } from './controllers/media-controller.js';
import { CallController, type RemotePeer } from './controllers/call-controller.js';
import { RoomController } from './controllers/room-controller.js';
import { ChunkLoader } from './controllers/chunk-loader.js';
import { Stage } from './controllers/stage.js';
import { fire, type CallState } from './events.js';
import type { Role } from '../protocol/signaling.js';
import { styles } from './video-call.styles.js';
import { ROOM_PATTERN } from '../protocol/patterns.js';
import { icons } from './icons.js';
import { displayName, initial, pathLabel, statusText } from './labels.js';
import { core } from './strings/en-core.js';
import { fill } from './strings/fill.js';
import type { CoreStrings, Locale } from './strings/catalogue.js';
import type { ViewContext } from './views/view-context.js';
import type { ChatInput } from './views/chat-panel.js';
import { CHAT_MAX_BYTES } from '../protocol/chat-limits.js';

export type { CallState, ConnectionPath, VideoCallErrorCode, VideoCallEventDetails } from './events.js';

/**
 * A video call in one element: `<video-call room="standup"></video-call>`.
 *
 * @summary Joins a room on its server and calls everyone in it, peer to peer.
 *
 * @attr room - Room to join: 1–64 of A–Z a–z 0–9 _ -. Changing it moves the call.
 * @attr name - Display name shown to the others.
 * @attr server - Server base URL; defaults to the origin this script was loaded from.
 * @attr token - The room token (a JWT from the embedding site's backend), sent with every join; never shown.
 * @attr muted - Microphone off (reflects setMicrophone()).
 * @attr camera-off - Camera off (reflects setCamera()).
 * @attr autojoin - Joins as soon as it has a room; `autojoin="false"` waits for join().
 * @attr prejoin - join() (and autojoin) first shows the pre-join screen: preview, devices, name; its Join joins.
 * @attr relay-only - Media only through the TURN relay, so the others never learn this side's IP addresses.
 * @attr state - Read-only: idle, prejoin, joining, lobby, waiting, connecting, connected, reconnecting, failed, left.
 * @attr lang - The language of its words: `en` or `de`; without one, the browser's language; English otherwise.
 *
 * @fires vc-joined - Joined the room: `{ id, room, peers }`.
 * @fires vc-peer-joined - Someone joined: `{ peer: { id, name } }`.
 * @fires vc-peer-left - Someone left: `{ id }`.
 * @fires vc-connection - The media path to a peer: `{ peerId, path: direct|srflx|relay, protocol: udp|tcp|tls, local, remote }`.
 * @fires vc-state - The state changed: `{ state }`.
 * @fires vc-error - Something failed: `{ code, message, reason? }`, code one of room-full, invalid-room,
 *   server-unreachable, media-denied, media-unavailable, screen-share-failed, unauthorized (with `reason`),
 *   forbidden, kicked, denied, protocol, internal.
 * @fires vc-left - The call ended on this side (leave(), or a host removed this side or turned it away).
 * @fires vc-knock - To hosts: a guest waits in the lobby: `{ peer: { id, name } }`.
 * @fires vc-knock-ended - To hosts: a guest no longer waits: `{ id, outcome: admitted|denied|left }`.
 * @fires vc-lobby - This side waits in the lobby: `{ hostPresent }`, again whenever that changes.
 * @fires vc-muted - A host muted this side; the microphone is already off: `{ by: { id, name } }`.
 * @fires vc-locked - A host locked or unlocked the room: `{ locked, by }`.
 * @fires vc-network-quality - The network to a peer changed class: `{ peerId, quality: good|fair|poor, rtt, loss,
 *   jitter, availableOutgoingBitrate, limitation }`.
 * @fires vc-speaker - The active speaker changed: `{ id }` (a peer's, this side's, or null).
 * @fires vc-message - A chat message, once each (this side's own when the server relayed it): `{ id, from, text, ts, self }`.
 *
 * @csspart container - The whole call.
 * @csspart status - The state line above the tiles.
 * @csspart grid - The tiles.
 * @csspart tile - Every tile; also `self-tile`, `remote-tile`, `screen-tile`.
 * @csspart video - Every video; also `self-video`, `remote-video`.
 * @csspart label - A tile's name line.
 * @csspart badge - A remote tile's connection badge (direct / relay…).
 * @csspart controls - The control bar.
 * @csspart button - Every button; also `mic-button`, `camera-button`, `screen-button`, `leave-button`, `join-button`,
 *   `pin-button`, `fullscreen-button`,
 *   and for hosts `admit-button`, `deny-button`, `mute-peer-button`, `kick-button`, `lock-button`.
 * @csspart notice - "Muted by <name>", after a host muted this side.
 * @csspart knocks - For hosts: the prompts of the guests waiting to join; each one is a `knock`.
 * @csspart tile-menu - For hosts: a remote tile's mute and remove buttons.
 * @csspart tile-tools - A tile's `pin-button` and `fullscreen-button`, shown on hover and focus.
 * @csspart lobby - The lobby screen of a guest waiting to be let in.
 * @csspart quality - A remote tile's network quality indicator (class good, fair or poor).
 * @csspart speaking-tile - The active speaker's tile (which also has the class `speaking`).
 * @csspart chat-button - The chat toggle; `unread` is its count of unread messages.
 * @csspart chat - The chat panel; in it `chat-message` (each), `chat-input`, `chat-send-button`, `chat-close-button`.
 *
 * @cssprop --video-call-background - Background (#0f1115).
 * @cssprop --video-call-foreground - Text and icons (#f2f4f8).
 * @cssprop --video-call-muted-foreground - Secondary text (#a3acbb).
 * @cssprop --video-call-tile-background - Empty tiles (#1b1f27).
 * @cssprop --video-call-accent - Focus rings, join button, relay badge (#3b82f6).
 * @cssprop --video-call-danger - Leave button, errors, muted icons (#e5484d).
 * @cssprop --video-call-radius - Corner radius (14px).
 * @cssprop --video-call-gap - Spacing between tiles (10px).
 * @cssprop --video-call-font - Font shorthand.
 */
export class VideoCall extends LitElement {
  static override styles = styles;
  static override properties = {
    room: { type: String, reflect: true },
    name: { type: String },
    server: { type: String },
    token: { type: String },
    muted: { type: Boolean, reflect: true },
    cameraOff: { type: Boolean, reflect: true, attribute: 'camera-off' },
    autojoin: { reflect: false, converter: { fromAttribute: (value: string | null) => value !== 'false' } },
    relayOnly: { type: Boolean, attribute: 'relay-only' },
    prejoin: { type: Boolean },
    state: { type: String, reflect: true },
    lang: { type: String, reflect: true },
  };

  declare room: string;
  declare name: string;
  declare server: string;
  /** The room token sent as `join.token`; a new one goes with the next join. Never rendered or put in an event. */
  declare token: string;
  declare muted: boolean;
  declare cameraOff: boolean;
  declare autojoin: boolean;
  declare relayOnly: boolean;
  declare prejoin: boolean;
  /** Read-only; reflected as the `state` attribute for styling (`video-call[state=connected]`). */
  declare state: CallState;
  /** `en` or `de`; empty: the browser's language. Other languages fall back to English. */
  declare lang: string;
  private error = '';
  private needsTap = false;
  /** On the pre-join screen (state `prejoin`). */
  private choosing = false;

  private readonly media = new MediaController(this, {
    change: () => this.call.mediaChanged(),
    error: (code, message) => fire(this, 'vc-error', { code, message }),
  });
  private readonly roomState = new RoomController(this, this.media, () => (this.muted = true));
  private readonly stage = new Stage(this);
  private readonly call = new CallController(this, this.media, this.roomState, {
    refusalWords: () => this.refusalWords.load().then((chunk) => this.locale()?.refusals ?? chunk?.refusals),
    chat: (event) => this.toChat(event),
  });
  /** What a lazy view is handed (views/view-context.ts). */
  private readonly views: ViewContext = { html, locale: () => this.locale(), fill };
  private readonly hostLobby = new ChunkLoader(
    this,
    () => import('./views/host-lobby.js').then(({ hostLobbyView }) => hostLobbyView(this.views)),
    this.chunkFailed('the host and lobby controls'),
  );
  private readonly refusalWords = new ChunkLoader(
    this,
    () => import('./strings/en-refusals.js'),
    this.chunkFailed('the words of a refusal'),
  );
  private readonly chat = new ChunkLoader(
    this,
    () =>
      import('./views/chat-panel.js').then(({ chatPanel }) => chatPanel(this.views, this, this.call, CHAT_MAX_BYTES)),
    this.chunkFailed('the chat'),
  );
  private readonly german = new ChunkLoader(
    this,
    () => import('./strings/de.js').then(({ de }) => ({ catalogue: de })),
    this.chunkFailed('the German words'),
  );
  private readonly devices = new ChunkLoader(
    this,
    () =>
      import('./views/prejoin.js').then(({ prejoinView }) =>
        prejoinView(this.views, this, this.media, () => void this.start()),
      ),
    this.chunkFailed('the devices'),
  );
  /** Network quality, bandwidth adaptation and the active speaker (insights/), loaded when a call starts. */
  private readonly insights = new ChunkLoader(
    this,
    () => import('./insights/index.js').then(({ insights }) => insights(this, this.call, this.views)),
    this.chunkFailed('the network quality'),
  );

  constructor() {
    super();
    this.room = '';
    this.name = '';
    this.server = '';
    this.token = '';
    this.muted = false;
    this.cameraOff = false;
    this.autojoin = true;
    this.relayOnly = false;
    this.prejoin = false;
    this.state = 'idle';
    this.lang = '';
    this.addEventListener('vc-error', (event) => {
      this.error = event.detail.message;
      this.requestUpdate();
    });
  }

  /** Joins `room` (done for you unless `autojoin="false"`); with `prejoin`, shows the pre-join screen first. */
  async join(): Promise<void> {
    if (!ROOM.test(this.room)) {
      const message = `invalid room "${this.room}": use 1–64 of A–Z a–z 0–9 _ -`;
      fire(this, 'vc-error', { code: 'invalid-room', message });
      throw new Error(message);
    }
    if (!this.prejoin) return this.start();
    if (this.choosing) return;
    this.choosing = true;
    fire(this, 'vc-state', { state: 'prejoin' });
    // Without its chunk (an old server, a network error, already reported) the call starts as without prejoin.
    void this.devices.load().then((view) => (view ? view.open() : this.start()));
  }

  private async start(): Promise<void> {
    this.choosing = false;
    this.error = '';
    this.requestUpdate();
    const options = {
      url: this.signalingUrl(),
      room: this.room,
      name: displayName(this.name),
      micOn: !this.muted,
      cameraOn: !this.cameraOff,
      relayOnly: this.relayOnly,
      token: () => this.token || undefined,
    };
    this.hostLobby.retry();
    this.insights.retry();
    await this.call.join(options);
  }

  /** Leaves the call: peer connections closed, camera and microphone released. */
  leave(): void {
    this.choosing = false;
    this.devices.value?.stop();
    this.call.leave();
  }

  setMicrophone(on: boolean): void {
    this.muted = !on;
  }

  setCamera(on: boolean): void {
    this.cameraOff = !on;
  }

  shareScreen(): Promise<void> {
    return this.media.shareScreen();
  }

  stopScreenShare(): void {
    this.media.stopScreenShare();
  }

  /** Switches devices, by the ids of navigator.mediaDevices.enumerateDevices(). */
  setDevices(choice: DeviceChoice): Promise<void> {
    return this.media.setDevices(choice);
  }

  /**
   * What the server granted this side: `host` may use the host controls. `guest` until joined.
   * Not `role`, which every element has already: the ARIA role it reflects.
   */
  get callRole(): Role {
    return this.roomState.role;
  }

  /** Whether the room is locked: guests who join now wait in the lobby. */
  get locked(): boolean {
    return this.roomState.locked;
  }

  /**
   * Host controls. Each sends its frame at once when connected (nothing when not) and returns; the
   * outcome comes as an event (`vc-knock-ended`, `vc-peer-left`, `vc-locked`), or as `vc-error`
   * `forbidden` when this side is not a host, which changes nothing else.
   */
  admit(id: string): void {
    this.call.control({ type: 'admit', id });
  }

  deny(id: string): void {
    this.call.control({ type: 'deny', id });
  }

  /** Removes a peer from the call; its user may not rejoin the room for a minute. */
  kick(id: string): void {
    this.call.control({ type: 'kick', id });
  }

  /** Turns a peer's microphone off. Only that peer can turn it on again. */
  mutePeer(id: string): void {
    this.call.control({ type: 'mute', id });
  }

  lock(locked: boolean): void {
    this.call.control({ type: 'lock', locked });
  }

  /**
   * Sends a chat message to everyone in the call; it comes back as `vc-message` with `self`, or a
   * `vc-error` `message-refused`. Throws a RangeError for an empty text or one over 2048 UTF-8 bytes, and
   * an Error when this side is not in a call. While reconnecting it is sent once the call is back.
   */
  sendMessage(text: string): void {
    if (!text || new Blob([text]).size > CHAT_MAX_BYTES) throw new RangeError('not 1–2048 bytes');
    if (this.call.id === undefined || !this.isActive()) throw new Error('not in a call');
    this.toChat(['post', text]);
  }

  /** The RTCStatsReport of the connection to one peer. */
  getStats(peerId: string): Promise<RTCStatsReport | undefined> {
    return this.call.getStats(peerId);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autojoin && this.room !== '' && this.call.state === 'idle') void this.join().catch(() => undefined);
  }

  /** The words of the element's language (the core section; English until another locale has loaded). */
  get strings(): CoreStrings {
    return this.locale()?.core ?? core;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.state = this.choosing ? 'prejoin' : this.call.state;
    if (this.german.value === undefined && this.wantsGerman()) void this.german.load();
    if (changed.has('muted') && changed.get('muted') !== undefined) this.media.setMicrophone(!this.muted);
    if (!this.muted) this.roomState.unmuted();
    if (changed.has('cameraOff') && changed.get('cameraOff') !== undefined) void this.media.setCamera(!this.cameraOff);
  }

  protected override updated(changed: PropertyValues<this>): void {
    const joined = this.call.joined;
    if (joined !== undefined && this.isActive() && (joined.room !== this.room || joined.url !== this.signalingUrl())) {
      // The call moves: out of the old room, into the new one.
      this.leave();
      if (this.room !== '') void this.join();
    } else if (
      changed.has('room') &&
      this.autojoin &&
      this.room !== '' &&
      this.call.state === 'idle' &&
      this.isConnected
    ) {
      void this.join();
    }
    for (const video of this.renderRoot.querySelectorAll<HTMLVideoElement>('video.remote')) {
      this.play(video);
      this.media.sink(video);
    }
    if (this.roomState.needsView) void this.hostLobby.load();
    // The device menu and the network insights once the call is up (alone in the room, or one peer connected),
    // not while it connects: their download and compile competed with the join for the page's one thread
    // (join → connected took 1.26× the reference element's in npm run bench).
    if (this.state === 'waiting' || [...this.call.peers.values()].some((peer) => peer.state === 'connected')) {
      void this.devices.load();
      void this.insights.load();
    }
  }

  protected override render() {
    const active = this.isActive();
    const t = this.strings;
    const remotes = [...this.call.peers.values()];
    const screens = remotes.filter((peer) => peer.link.screen !== null);
    const keys = new Set([...remotes.map((peer) => peer.id), ...screens.map((peer) => `screen:${peer.id}`)]);
    this.stage.keep(keys);
    const pinned = this.stage.pinned;
    const grid = this.stage.fit(keys.size + (active ? 1 : 0), 10);
    return html`
      <div part="container" class="call">
        <div part="status" class="status ${this.state}" role="status" aria-live="polite">${this.status()}</div>
        ${this.renderAccess()} ${this.choosing ? this.devices.value?.screen() : nothing}
        <div class="stage">
          <div
            part="grid"
            class="grid ${pinned === undefined ? '' : 'pinned'}"
            style="--columns:${grid.columns};--tile:${grid.tile}px"
          >
            ${active ? this.renderSelf() : nothing} ${remotes.map((peer) => this.renderRemote(peer))}
            ${screens.map((peer) => {
              const key = `screen:${peer.id}`;
              const name = fill(t.screenOf, { name: peer.name || t.guest });
              return html`<figure part="tile screen-tile" class="tile screen ${pinned === key ? 'pin' : ''}">
                ${this.stage.video(key, peer.link.screen)}
                <figcaption part="label" class="label">${name}</figcaption>
                ${this.tileTools(key, name)}
              </figure>`;
            })}
          </div>
        </div>
        ${this.needsTap ? html`<button part="button" class="tap" @click=${this.unmuteRemote}>${t.tap}</button>` : nothing}
        ${active ? this.chat.value?.panel() : nothing}
        <div part="controls" class="controls" role="toolbar" aria-label=${t.controls}>
          ${active ? this.renderControls() : this.renderJoin()}
        </div>
      </div>
    `;
  }

  private renderSelf() {
    const t = this.strings;
    const picture =
      this.media.video !== null
        ? html`<video part="video self-video" autoplay playsinline muted .srcObject=${this.media.stream}></video>`
        : html`<div class="avatar">${initial(this.name)}</div>`;
    const speaking = this.insights.value?.speaking(this.call.id) ?? '';
    return html`<figure
      part="tile self-tile ${speaking && 'speaking-tile'}"
      class="tile self ${speaking} ${this.stage.pinned === 'self' ? 'pin' : ''}"
    >
      ${picture}
      <figcaption part="label" class="label">
        ${this.name ? fill(t.youNamed, { name: this.name }) : t.you} ${this.muted ? icons.micOff : nothing}
      </figcaption>
      ${this.tileTools('self', t.you)}
    </figure>`;
  }

  private renderRemote(peer: RemotePeer) {
    const { media, camera } = peer.link;
    const menu = this.roomState.role === 'host' ? this.hostLobby.value?.tileMenu : undefined;
    const control = (type: 'mute' | 'kick') => (id: string) => this.call.control({ type, id });
    const t = this.strings;
    const name = peer.name || t.guest;
    const speaking = this.insights.value?.speaking(peer.id) ?? '';
    return html`<figure
      part="tile remote-tile ${speaking && 'speaking-tile'}"
      class="tile ${speaking} ${this.stage.pinned === peer.id ? 'pin' : ''}"
      data-peer=${peer.id}
    >
      ${this.stage.video(peer.id, camera)}
      ${media.video ? nothing : html`<div class="avatar">${initial(peer.name)}</div>`}
      ${menu ? menu(peer, control('mute'), control('kick')) : nothing}
      <figcaption part="label" class="label">
        ${name} ${media.audio ? nothing : icons.micOff}
        ${
          peer.path === undefined
            ? html`<span part="badge" class="badge"
                >${peer.state === 'connected' ? t.connected : t.badgeConnecting}</span
              >`
            : html`<span part="badge" class="badge ${peer.path.path}" title="${peer.path.local} → ${peer.path.remote}"
                >${pathLabel(peer.path, t)}</span
              >`
        }
        ${this.insights.value?.indicator(peer.id)}
      </figcaption>
      ${this.tileTools(peer.id, name)}
    </figure>`;
  }

  /** A tile's pin and full-screen buttons, shown when the pointer or the focus is on the tile. */
  private tileTools(key: string, name: string) {
    const t = this.strings;
    const pinned = this.stage.pinned === key;
    return html`<div part="tile-tools" class="tools">
      <button
        part="button pin-button"
        aria-pressed=${String(pinned)}
        aria-label=${fill(pinned ? t.unpin : t.pin, { name })}
        @click=${() => this.stage.togglePin(key)}
      >
        ${icons.pin}
      </button>
      <button
        part="button fullscreen-button"
        aria-label=${fill(t.fullscreen, { name })}
        @click=${(event: Event) => void (event.currentTarget as Element).closest('figure')?.requestFullscreen()}
      >
        ${icons.fullscreen}
      </button>
    </div>`;
  }

  private renderControls() {
    const t = this.strings;
    const sharing = this.media.screen !== null;
    return html`
      ${this.toggle(
        'mic-button',
        !this.muted,
        this.muted ? t.unmute : t.mute,
        this.muted ? icons.micOff : icons.mic,
        () => this.setMicrophone(this.muted),
      )}
      ${this.toggle(
        'camera-button',
        !this.cameraOff,
        this.cameraOff ? t.cameraOn : t.cameraOff,
        this.cameraOff ? icons.cameraOff : icons.camera,
        () => this.setCamera(this.cameraOff),
      )}
      ${this.toggle(
        'screen-button',
        sharing,
        sharing ? t.stopSharing : t.shareScreen,
        icons.screen,
        () => (sharing ? this.stopScreenShare() : void this.shareScreen()),
        false,
      )}
      ${
        this.roomState.role === 'host' && this.hostLobby.value
          ? this.hostLobby.value.lockButton(this.roomState.locked, (locked) => this.lock(locked))
          : nothing
      }
      <button
        part="button chat-button"
        aria-pressed=${String(!!this.chat.value?.open)}
        aria-label=${t.chat}
        @click=${() => this.toChat(['toggle'])}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 4h18v13H8l-5 4Z" /></svg>${this.chat.value?.badge()}
      </button>
      ${this.devices.value?.menu()}
      <button part="button leave-button" class="leave" aria-label=${t.leaveLabel} @click=${() => this.leave()}>
        ${icons.leave} ${t.leave}
      </button>
    `;
  }

  /**
   * A control that turns something on and off, pressed while it is on; `off` shows a device that is off
   * inverted. Its label, also its tooltip, says what pressing it does.
   */
  private toggle(part: string, pressed: boolean, label: string, icon: unknown, click: () => void, off = !pressed) {
    return html`<button
      part="button ${part}"
      class=${off ? 'off' : ''}
      aria-pressed=${String(pressed)}
      aria-label=${label}
      title=${label}
      @click=${click}
    >
      ${icon}
    </button>`;
  }

  private renderJoin() {
    if (this.room === '' || this.choosing) return nothing;
    return html`<button part="button join-button" class="join" @click=${() => void this.join()}>
      ${this.state === 'left' ? this.strings.joinAgain : this.strings.join}
    </button>`;
  }

  /** A failure says the last error; an ending, what ended it (a kick, a denied knock) unless it was leave(). */
  private status(): string {
    const ended = this.state === 'failed' ? this.error : this.call.endedBecause;
    return statusText(this.state, this.room, ended, this.strings);
  }

  /** The lobby screen for a waiting guest; for hosts, who knocks, and who muted this side. */
  private renderAccess() {
    const view = this.hostLobby.value;
    const { hostPresent, knocks, mutedBy } = this.roomState;
    return html`
      ${view && this.state === 'lobby' && hostPresent !== undefined ? view.lobby(hostPresent) : nothing}
      ${
        view && this.roomState.role === 'host'
          ? view.knocks(
              [...knocks.values()],
              (id) => this.admit(id),
              (id) => this.deny(id),
            )
          : nothing
      }
      ${
        mutedBy && this.muted
          ? html`<div part="notice" class="notice" aria-live="polite">
              ${fill(this.strings.mutedBy, { name: mutedBy.name || this.strings.aHost })}
            </div>`
          : nothing
      }
    `;
  }

  /** German when the element's `lang` (or, without one, the browser's language) says so; English otherwise. */
  private wantsGerman(): boolean {
    return /^de\b/i.test(this.lang || navigator.language);
  }

  private locale(): Locale {
    return this.wantsGerman() ? this.german.value?.catalogue : undefined;
  }

  private chunkFailed(what: string): (error: unknown) => void {
    return (error) =>
      fire(this, 'vc-error', { code: 'internal', message: `${what} could not be loaded: ${String(error)}` });
  }

  private isActive(): boolean {
    return !['idle', 'left', 'failed'].includes(this.call.state);
  }

  private signalingUrl(): string {
    const url = new URL('/ws', this.server || import.meta.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.href;
  }

  /** Plays with sound when the page allows it; otherwise muted, with a button to unmute. */
  private play(video: HTMLVideoElement): void {
    if (!video.paused || video.srcObject === null) return;
    video.play().catch((error: unknown) => {
      // Only the autoplay policy says NotAllowedError; an interrupted play() is retried by the next update.
      if (!(error instanceof DOMException) || error.name !== 'NotAllowedError') return;
      video.muted = true;
      this.needsTap = true;
      this.requestUpdate();
      void video.play().catch(() => undefined);
    });
  }

  /**
   * Hands the chat chunk what it must hear, loading it with the first message (sent or received) or the
   * first press of the chat button; in order, as every input waits for the same load. A welcome matters
   * only to messages posted, which have loaded the chunk already.
   */
  private toChat(input: ChatInput): void {
    if (input[0] !== 'welcome' || this.chat.value) void this.chat.load().then((view) => view?.handle(input));
  }

  private unmuteRemote(): void {
    for (const video of this.renderRoot.querySelectorAll<HTMLVideoElement>('video.remote')) {
      video.muted = false;
      void video.play();
    }
    this.needsTap = false;
    this.requestUpdate();
  }
}

const ROOM = new RegExp(ROOM_PATTERN);

if (!customElements.get('video-call')) customElements.define('video-call', VideoCall);

declare global {
  interface HTMLElementTagNameMap {
    'video-call': VideoCall;
  }
}
