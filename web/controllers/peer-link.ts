/**
 * One RTCPeerConnection to one remote peer, put together from one module per
 * concern (peer/): perfect negotiation, the transceiver layout, the media-state
 * data channel, the path reporter and the ICE-restart policy. PeerLink wires
 * them to the connection and to the call, and owns the ICE servers.
 */
import type { SignalData } from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import type { ConnectionPath } from '../events.js';
import { IceRestarts } from './peer/ice-restart.js';
import { MediaStateChannel } from './peer/media-state-channel.js';
import type { RemoteMediaState } from './peer/media-state.js';
import { Negotiation } from './peer/negotiation.js';
import { PathReporter } from './peer/path-reporter.js';
import { Transceivers, type LocalTracks } from './peer/transceivers.js';

export interface PeerLinkEvents {
  signal(data: SignalData): void;
  /** The remote camera or screen stream appeared, changed or went away. */
  streams(): void;
  state(state: RTCPeerConnectionState): void;
  path(path: ConnectionPath): void;
  media(state: RemoteMediaState): void;
  /** Fresh ICE servers; may reject (signaling down, no answer in time). */
  iceServers(): Promise<IceServer[]>;
  error(message: string, cause: unknown): void;
}

export interface PeerLinkOptions {
  remoteId: string;
  /** The polite side yields in an offer collision and waits longer before restarting ICE. */
  polite: boolean;
  /** The newcomer makes the first offer and lays out the m-lines. */
  initiator: boolean;
  iceServers: IceServer[];
  /** Media only through TURN relays. */
  relayOnly: boolean;
  local: LocalTracks;
  localState: RemoteMediaState;
  on: PeerLinkEvents;
}

export class PeerLink {
  readonly remoteId: string;
  readonly polite: boolean;
  readonly pc: RTCPeerConnection;
  private local: LocalTracks;
  private readonly on: PeerLinkEvents;
  private readonly transceivers: Transceivers;
  private readonly negotiation: Negotiation;
  private readonly channel: MediaStateChannel;
  private readonly paths: PathReporter;
  private readonly restarts: IceRestarts;
  private closed = false;

  constructor(options: PeerLinkOptions) {
    const { on, initiator, local } = options;
    this.remoteId = options.remoteId;
    this.polite = options.polite;
    this.local = local;
    this.on = on;
    const pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
      // One transport for audio, video and the data channel: one set of candidates and one TURN allocation per
      // peer, not three ("balanced" gathers per media type). A mesh of 6 needed 15 allocations on the joiner's
      // side and hit the relay's per-user quota; every browser the element supports does BUNDLE.
      bundlePolicy: 'max-bundle',
    });
    this.pc = pc;
    this.transceivers = new Transceivers(pc);
    this.channel = new MediaStateChannel(options.localState, on);
    this.paths = new PathReporter(pc, (path) => on.path(path));
    this.restarts = new IceRestarts(this.polite, () => void this.restartIce());
    this.negotiation = new Negotiation(pc, this.polite, initiator, {
      signal: (data) => on.signal(data),
      iceRestartOffered: () => this.answerIceRestart(),
      firstOffer: () => this.attachToOffer(),
      described: () => {
        this.transceivers.readRemoteStreams();
        on.streams();
      },
      error: (message, cause) => on.error(message, cause),
    });
    pc.onconnectionstatechange = () => this.connectionChanged();
    if (initiator) {
      this.transceivers.layOutCamera(local);
      this.channel.open(pc);
      if (local.screen !== null) this.transceivers.addScreen(local.screen);
    }
  }

  get camera(): MediaStream | null {
    return this.transceivers.camera;
  }

  get screen(): MediaStream | null {
    return this.transceivers.screen;
  }

  /** The remote side's media state, as it last said. */
  get media(): RemoteMediaState {
    return this.channel.remote;
  }

  receive(data: SignalData): void {
    this.negotiation.receive(data);
  }

  replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    return this.transceivers.replaceTrack(kind, track);
  }

  addScreen(stream: MediaStream): void {
    this.transceivers.addScreen(stream);
  }

  removeScreen(): void {
    this.transceivers.removeScreen();
  }

  setLocalState(state: RemoteMediaState): void {
    this.channel.setLocal(state);
  }

  updateLocalTracks(local: LocalTracks): void {
    this.local = local;
  }

  /** Restarts ICE, with fresh ICE servers (and so fresh TURN credentials) when signaling can give them. */
  async restartIce(): Promise<void> {
    if (this.closed || !this.restarts.take({ type: 'due' })) return;
    try {
      await this.freshIceServers();
      if (!this.closed) this.pc.restartIce();
    } catch (error) {
      this.on.error('ICE restart failed', error);
    }
  }

  /**
   * Fresh ICE servers: used from the next ICE restart on. When they replace
   * credentials about to lapse (`expiring`), the policy may restart now (see
   * ice-restart.ts).
   */
  useIceServers(iceServers: IceServer[], expiring: boolean): void {
    if (this.closed) return;
    this.setIceServers(iceServers);
    const state = this.pc.connectionState;
    if (expiring && this.restarts.take({ type: 'expiring', relayed: this.paths.relayed, state })) this.pc.restartIce();
  }

  close(): void {
    this.closed = true;
    this.restarts.stop();
    this.negotiation.close();
    this.paths.close();
    this.channel.close();
    this.pc.close();
  }

  /**
   * Asks for fresh ICE servers. When none come (signaling is down or slow)
   * the connection keeps the ones it has: they are still valid, since the
   * client refreshes them at 80 % of their TTL, and a restart with them
   * beats no restart, which would leave a failed connection failed.
   */
  private async freshIceServers(): Promise<void> {
    const iceServers = await this.on.iceServers().catch(() => undefined);
    if (iceServers !== undefined && !this.closed) this.setIceServers(iceServers);
  }

  /**
   * The other side restarts ICE: our answer gathers new relay candidates, and
   * they must be made with credentials that outlive the call's next minutes,
   * not with whatever this side was last given (its permissions would lapse).
   */
  private async answerIceRestart(): Promise<void> {
    try {
      await this.freshIceServers();
    } catch (error) {
      this.on.error('could not refresh ICE servers for an ICE restart', error);
    }
  }

  private setIceServers(iceServers: IceServer[]): void {
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  /** The answering side's first offer: our tracks onto its camera pair, then the channel and a screen share. */
  private async attachToOffer(): Promise<void> {
    await this.transceivers.attachCamera(this.local);
    this.channel.open(this.pc);
    if (this.local.screen !== null) this.transceivers.addScreen(this.local.screen);
  }

  private connectionChanged(): void {
    const state = this.pc.connectionState;
    this.on.state(state);
    this.restarts.connectionChanged(state);
    if (state === 'connected') this.paths.connected();
  }
}
