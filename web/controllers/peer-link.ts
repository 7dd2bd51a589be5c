/**
 * One RTCPeerConnection to one remote peer, negotiated the "perfect
 * negotiation" way (W3C/MDN): argument-less setLocalDescription(), the
 * impolite side ignores a colliding offer, the polite side rolls back.
 *
 * The first offer always comes from the newcomer (the initiator), which lays
 * out the m-lines every later offer keeps: audio, video (the camera pair),
 * then a data channel; a screen share adds one more video m-line. The other
 * side attaches its tracks to the offered transceivers, so both sides always
 * agree on which transceiver carries what.
 */
import type { SignalData } from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import type { ConnectionPath } from '../events.js';
import { readConnectionPath } from './connection-path.js';

export interface LocalTracks {
  stream: MediaStream;
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  screen: MediaStream | null;
}

/** What a peer tells the other over the data channel, for its tile. */
export interface RemoteMediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

export interface PeerLinkEvents {
  signal(data: SignalData): void;
  /** The remote camera or screen stream appeared, changed or went away. */
  streams(): void;
  state(state: RTCPeerConnectionState): void;
  path(path: ConnectionPath): void;
  media(state: RemoteMediaState): void;
  iceServers(): Promise<IceServer[]>;
  error(message: string, cause: unknown): void;
}

/** How long `disconnected` may last before an ICE restart (it often heals itself). */
const DISCONNECTED_GRACE_MS = 4_000;
const PATH_RECHECKS = 5;
const PATH_RECHECK_MS = 1_000;
/** How much longer the polite side waits before restarting ICE itself. */
const POLITE_RESTART_DELAY_MS = 8_000;
/** ICE restarts are spaced at least this far apart. */
const RESTART_INTERVAL_MS = 5_000;

export class PeerLink {
  readonly pc: RTCPeerConnection;
  camera: MediaStream | null = null;
  screen: MediaStream | null = null;
  media: RemoteMediaState = { audio: true, video: true, screen: false };
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private started: boolean;
  private readonly pendingCandidates: RTCIceCandidateInit[] = [];
  private work: Promise<void> = Promise.resolve();
  private channel: RTCDataChannel | undefined;
  private screenTransceiver: RTCRtpTransceiver | undefined;
  private disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  private lastRestart = 0;
  private lastPath = '';
  private relayed = false;
  private closed = false;

  constructor(
    readonly remoteId: string,
    readonly polite: boolean,
    configuration: { iceServers: IceServer[]; relayOnly: boolean },
    private local: LocalTracks,
    private localState: RemoteMediaState,
    initiator: boolean,
    private readonly on: PeerLinkEvents,
  ) {
    this.pc = new RTCPeerConnection({
      iceServers: configuration.iceServers,
      iceTransportPolicy: configuration.relayOnly ? 'relay' : 'all',
    });
    this.started = initiator;
    this.pc.onicecandidate = ({ candidate: c }) => {
      if (c === null || c.candidate === '') return;
      on.signal({
        candidate: { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment },
      });
    };
    this.pc.onnegotiationneeded = () => this.enqueue(() => this.offer());
    this.pc.onconnectionstatechange = () => this.connectionChanged();
    if (initiator) {
      this.pc.addTransceiver(local.audio ?? 'audio', { direction: 'sendrecv', streams: [local.stream] });
      this.pc.addTransceiver(local.video ?? 'video', { direction: 'sendrecv', streams: [local.stream] });
      this.openChannel();
      if (local.screen !== null) this.addScreen(local.screen);
    }
  }

  /** Applies one relayed description or candidate, in arrival order. */
  receive(data: SignalData): void {
    this.enqueue(() => ('description' in data ? this.receiveDescription(data.description) : this.receiveCandidate(data.candidate)));
  }

  /** Replaces the camera or microphone track (null while the camera is off) without renegotiating. */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const transceiver = this.cameraTransceiver(kind);
    if (transceiver !== undefined) await transceiver.sender.replaceTrack(track);
  }

  /** Starts sending a screen share on its own m-line (renegotiates). */
  addScreen(stream: MediaStream): void {
    const [track] = stream.getVideoTracks();
    if (track === undefined) return;
    if (this.screenTransceiver === undefined) {
      this.screenTransceiver = this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      return;
    }
    this.screenTransceiver.direction = 'sendonly';
    this.screenTransceiver.sender.setStreams(stream);
    void this.screenTransceiver.sender.replaceTrack(track);
  }

  /** Stops sending the screen share; the m-line stays, inactive, for the next one (renegotiates). */
  removeScreen(): void {
    if (this.screenTransceiver === undefined) return;
    void this.screenTransceiver.sender.replaceTrack(null);
    this.screenTransceiver.direction = 'inactive';
  }

  setLocalState(state: RemoteMediaState): void {
    this.localState = state;
    if (this.channel?.readyState === 'open') this.channel.send(JSON.stringify(state));
  }

  updateLocalTracks(local: LocalTracks): void {
    this.local = local;
  }

  /** Restarts ICE with fresh ICE servers (and so fresh TURN credentials). */
  async restartIce(): Promise<void> {
    if (this.closed || Date.now() - this.lastRestart < RESTART_INTERVAL_MS) return;
    this.lastRestart = Date.now();
    try {
      const iceServers = await this.on.iceServers();
      if (this.closed) return;
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
      this.pc.restartIce();
    } catch (error) {
      this.on.error('ICE restart failed', error);
    }
  }

  /**
   * Fresh ICE servers: used from the next ICE restart on. When they replace
   * credentials about to lapse (`expiring`), a connection that goes through a relay restarts now,
   * while its old allocation still works, since the relay will not refresh
   * an allocation whose credentials have expired; the impolite side does it,
   * so the two sides' restarts never collide, and the polite side's fresh
   * servers serve the candidates it gathers in answer.
   */
  useIceServers(iceServers: IceServer[], expiring: boolean): void {
    if (this.closed) return;
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
    if (expiring && !this.polite && this.relayed && this.pc.connectionState === 'connected' && Date.now() - this.lastRestart >= RESTART_INTERVAL_MS) {
      this.lastRestart = Date.now();
      this.pc.restartIce();
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.disconnectedTimer);
    this.channel?.close();
    this.pc.close();
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((error: unknown) => {
      if (!this.closed) this.on.error('negotiation step failed', error);
    });
  }

  private async offer(): Promise<void> {
    if (!this.started || this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.sendDescription();
    } finally {
      this.makingOffer = false;
    }
  }

  private async receiveDescription(description: RTCSessionDescriptionInit): Promise<void> {
    const readyForOffer = !this.makingOffer && (this.pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;

    if (description.type === 'offer' && this.isIceRestart(description)) await this.freshIceServers();
    this.settingRemoteAnswer = description.type === 'answer';
    await this.pc.setRemoteDescription(description);
    this.settingRemoteAnswer = false;
    for (const candidate of this.pendingCandidates.splice(0)) await this.addCandidate(candidate);

    if (description.type === 'offer') {
      if (!this.started) await this.attachToOffer();
      await this.pc.setLocalDescription();
      this.sendDescription();
    }
    this.refreshRemoteStreams();
  }

  /**
   * The other side restarts ICE: our answer gathers new relay candidates, and
   * they must be made with credentials that outlive the call's next minutes,
   * not with whatever this side was last given (its permissions would lapse).
   */
  private async freshIceServers(): Promise<void> {
    try {
      const iceServers = await this.on.iceServers();
      if (!this.closed) this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
    } catch (error) {
      this.on.error('could not refresh ICE servers for an ICE restart', error);
    }
  }

  private isIceRestart(offer: RTCSessionDescriptionInit): boolean {
    const current = this.pc.remoteDescription?.sdp;
    if (current === undefined || offer.sdp === undefined) return false;
    const ufrag = (sdp: string) => /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
    return ufrag(offer.sdp) !== ufrag(current);
  }

  /** The answering side's first offer: put our tracks on the transceivers it laid out. */
  private async attachToOffer(): Promise<void> {
    this.started = true;
    for (const kind of ['audio', 'video'] as const) {
      const transceiver = this.cameraTransceiver(kind);
      if (transceiver === undefined) continue;
      transceiver.direction = 'sendrecv';
      transceiver.sender.setStreams(this.local.stream);
      await transceiver.sender.replaceTrack(this.local[kind]);
    }
    this.openChannel();
    if (this.local.screen !== null) this.addScreen(this.local.screen);
  }

  private async receiveCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.pc.remoteDescription === null) {
      this.pendingCandidates.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer we ignored are expected to fail.
      if (!this.ignoreOffer) throw error;
    }
  }

  private sendDescription(): void {
    const description = this.pc.localDescription;
    if (description !== null) this.on.signal({ description: { type: description.type, sdp: description.sdp } });
  }

  /** The camera pair is the first audio and the first video transceiver, on both sides. */
  private cameraTransceiver(kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t !== this.screenTransceiver);
  }

  private refreshRemoteStreams(): void {
    const audio = this.cameraTransceiver('audio');
    const video = this.cameraTransceiver('video');
    if (this.camera === null && audio !== undefined && video !== undefined) {
      this.camera = new MediaStream([audio.receiver.track, video.receiver.track]);
    }
    const incomingScreen = this.pc
      .getTransceivers()
      .find((t) => t !== video && t.receiver.track.kind === 'video' && /recv/.test(t.currentDirection ?? ''));
    const screenTrack = incomingScreen?.receiver.track;
    if (screenTrack?.id !== this.screen?.getVideoTracks()[0]?.id) {
      this.screen = screenTrack === undefined ? null : new MediaStream([screenTrack]);
    }
    this.on.streams();
  }

  private openChannel(): void {
    // Negotiated with a fixed id, so both sides open it without an extra round trip.
    const channel = this.pc.createDataChannel('vc', { negotiated: true, id: 0 });
    this.channel = channel;
    channel.onopen = () => channel.send(JSON.stringify(this.localState));
    channel.onmessage = (event) => {
      try {
        const state = JSON.parse(String(event.data)) as Partial<RemoteMediaState>;
        this.media = { audio: state.audio === true, video: state.video === true, screen: state.screen === true };
        this.on.media(this.media);
      } catch (error) {
        this.on.error('bad data channel message', error);
      }
    };
  }

  private connectionChanged(): void {
    const state = this.pc.connectionState;
    this.on.state(state);
    clearTimeout(this.disconnectedTimer);
    if (state === 'connected') void this.reportPath();
    // Both sides see the failure; if both restarted at once their offers would
    // collide, and Chrome can lose the remote video when the polite side rolls
    // back a restart offer. The impolite side restarts; the polite side only
    // if nothing happened after a while.
    const grace = state === 'failed' ? 0 : DISCONNECTED_GRACE_MS;
    if (state === 'failed' || state === 'disconnected') {
      this.disconnectedTimer = setTimeout(() => void this.restartIce(), this.polite ? grace + POLITE_RESTART_DELAY_MS : grace);
    }
    if (state === 'connected') {
      const transport = this.pc.getSenders()[0]?.transport?.iceTransport;
      if (transport !== undefined) transport.onselectedcandidatepairchange = () => void this.reportPath();
    }
  }

  private async reportPath(attempt = 0): Promise<void> {
    const path = await readConnectionPath(this.pc);
    if (path === undefined || this.closed) return;
    // The signaled candidate usually arrives within a moment; look again until the path is known for sure.
    if (!path.settled && attempt < PATH_RECHECKS) setTimeout(() => void this.reportPath(attempt + 1), PATH_RECHECK_MS);
    this.relayed = path.path === 'relay';
    const key = `${path.path}/${path.protocol}/${path.local}/${path.remote}/${path.settled}`;
    if (key === this.lastPath) return;
    this.lastPath = key;
    this.on.path(path);
  }
}
