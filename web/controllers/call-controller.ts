/**
 * The call: one signaling client and one PeerLink per remote peer (a full
 * mesh up to the room's capacity). It turns signaling and connection events
 * into the element's state and `vc-*` events, and keeps peer connections
 * alive across signaling reconnects: a peer whose signaling dropped but
 * whose media still flows is kept for a grace period, in case it comes back
 * under the same id. What the room says about access (the lobby, knocks,
 * locks, a host's mute) goes to the room controller.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type {
  Peer,
  PeerLeftReason,
  RelayedSignalMessage,
  UnauthorizedReason,
  WelcomeMessage,
} from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { SignalingClient, type ChatEvent, type HostControl, type SignalingStatus } from '../client/signaling-client.js';
import { PeerLink } from './peer-link.js';
import type { RemoteMediaState } from './peer/media-state.js';
import type { MediaController } from './media-controller.js';
import type { RoomController } from './room-controller.js';
import { fire, type CallState, type ConnectionPath, type VideoCallErrorCode } from '../events.js';
import { endsAs, isRefusal, refusalText } from '../refusals.js';
import type { RefusalStrings } from '../strings/catalogue.js';

/** How long a peer whose signaling dropped is waited for while its media still flows. */
const ORPHAN_GRACE_MS = 30_000;

export interface RemotePeer {
  id: string;
  name: string;
  link: PeerLink;
  state: RTCPeerConnectionState;
  path: ConnectionPath | undefined;
  /** Set while the peer's signaling is gone and we wait for it to come back. */
  orphanTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface JoinOptions {
  url: string;
  room: string;
  name: string;
  micOn: boolean;
  cameraOn: boolean;
  /** Media only through TURN relays: hides this side's addresses from the others. */
  relayOnly: boolean;
  /** The room token, read at every join so that a changed one goes with the next. */
  token: () => string | undefined;
}

type Host = ReactiveControllerHost & HTMLElement;

/** What the call asks of the element beyond its controllers: words and the chat, both in chunks. */
export interface CallNeeds {
  /**
   * The words for refusals in the element's language: a chunk, loaded when the first refusal comes.
   * Undefined when it could not be loaded; the server's message stands in.
   */
  refusalWords(): Promise<RefusalStrings | undefined>;
  /** Told what the chat needs to hear (views/chat-panel.ts). */
  chat(event: ChatEvent): void;
}

export class CallController implements ReactiveController {
  state: CallState = 'idle';
  id: string | undefined;
  /** Where the current call was joined, while there is one. */
  joined: JoinOptions | undefined;
  readonly peers = new Map<string, RemotePeer>();
  /** The signaling client of the current call; the chat sends through it. */
  client: SignalingClient | undefined;
  private signaling: SignalingStatus = 'closed';
  private iceServers: IceServer[] = [];
  private joinedOnce = false;
  /** Why the call ended, in words, when the server ended it (room full, a refused token, a kick). */
  endedBecause: string | undefined;

  constructor(
    private readonly host: Host,
    private readonly media: MediaController,
    private readonly room: RoomController,
    private readonly needs: CallNeeds,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    if (this.client !== undefined) this.leave();
  }

  async join(options: JoinOptions): Promise<void> {
    if (this.client !== undefined) return;
    this.joined = options;
    this.joinedOnce = false;
    this.endedBecause = undefined;
    this.setState('joining');
    const client = new SignalingClient(
      { url: options.url, room: options.room, name: options.name, token: options.token },
      {
        welcome: (message) => this.welcome(message),
        peerJoined: (peer) => this.peerJoined(peer),
        peerLeft: (id, reason) => this.peerLeft(id, reason),
        signal: (message) => this.signal(message),
        iceServers: (servers, scheduled) => {
          this.iceServers = servers;
          for (const { link } of this.peers.values()) link.useIceServers(servers, scheduled);
        },
        lobby: (message) => this.room.lobby(message.hostPresent),
        knock: (peer) => this.room.knock(peer),
        knockEnded: (id, outcome) => this.room.knockEnded(id, outcome),
        muted: (by) => this.room.muted(by),
        roomLocked: (locked, by) => this.room.roomLocked(locked, by),
        chat: this.needs.chat,
        status: (status) => {
          this.signaling = status;
          this.updateState();
        },
        error: (code, message, fatal, reason) => this.error(elementErrorCode(code), message, fatal, reason),
      },
    );
    this.client = client;
    // Devices and signaling start together: a connection set up before the
    // camera is ready gets its tracks as soon as they are (replaceTrack).
    const media = this.media.start(options.micOn, options.cameraOn);
    client.start();
    await media;
    // leave() may have been called while the camera permission prompt was open.
    if (this.client !== client) this.media.stop();
  }

  leave(): void {
    const wasActive = this.client !== undefined;
    this.client?.stop();
    this.client = undefined;
    this.joined = undefined;
    for (const peer of [...this.peers.values()]) this.drop(peer, false);
    this.media.stop();
    this.id = undefined;
    this.room.reset();
    this.setState(wasActive ? 'left' : this.state);
    if (wasActive) fire(this.host, 'vc-left', {});
  }

  /** Sends a host control; the server refuses it with `forbidden` unless this side is a host. */
  control(message: HostControl): void {
    this.client?.control(message);
  }

  /** Media changed locally (toggles, devices, screen share): update every peer connection. */
  mediaChanged(): void {
    const tracks = this.media.tracks;
    const state = this.localMediaState();
    for (const { link } of this.peers.values()) {
      link.updateLocalTracks(tracks);
      void link.replaceTrack('audio', tracks.audio);
      void link.replaceTrack('video', tracks.video);
      if (tracks.screen !== null) link.addScreen(tracks.screen);
      else link.removeScreen();
      link.setLocalState(state);
    }
  }

  async getStats(peerId: string): Promise<RTCStatsReport | undefined> {
    return this.peers.get(peerId)?.link.pc.getStats();
  }

  private welcome(message: WelcomeMessage): void {
    this.iceServers = message.iceServers;
    this.room.welcome(message);
    if (!message.resumed) {
      // A new id: every peer knew us by the old one, so every connection starts over.
      for (const peer of [...this.peers.values()]) this.drop(peer, true);
    }
    this.id = message.id;
    if (!this.joinedOnce) {
      this.joinedOnce = true;
      fire(this.host, 'vc-joined', { id: message.id, room: message.room, peers: message.peers });
    }
    const present = new Set(message.peers.map((peer) => peer.id));
    for (const peer of message.peers) this.meet(peer, true);
    for (const peer of this.peers.values()) if (!present.has(peer.id)) this.orphan(peer);
    this.updateState();
  }

  private peerJoined(peer: Peer): void {
    this.meet(peer, false);
    this.updateState();
  }

  /**
   * A peer is (back) in the room. A connection to it that still works is
   * kept (it was a signaling blip); anything else starts over, with the
   * newcomer (the side that got the peer in `welcome`) making the offer.
   */
  private meet(peer: Peer, initiator: boolean): void {
    const known = this.peers.get(peer.id);
    if (known !== undefined && known.state === 'connected') {
      clearTimeout(known.orphanTimer);
      known.orphanTimer = undefined;
      return;
    }
    if (known !== undefined) this.drop(known, false);
    this.addPeer(peer, initiator);
  }

  private peerLeft(id: string, reason: PeerLeftReason): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    if (reason === 'disconnected' && peer.state === 'connected') this.orphan(peer);
    else this.drop(peer, true);
    this.updateState();
  }

  private signal(message: RelayedSignalMessage): void {
    // A signal can only come from a peer of the room; one we have not met yet is a newcomer.
    const peer = this.peers.get(message.from) ?? this.addPeer({ id: message.from, name: '' }, false);
    peer.link.receive(message.data);
  }

  private addPeer(peer: Peer, initiator: boolean): RemotePeer {
    const id = peer.id;
    const link = new PeerLink({
      remoteId: id,
      polite: (this.id ?? '') < id,
      initiator,
      iceServers: this.iceServers,
      relayOnly: this.joined?.relayOnly ?? false,
      local: this.media.tracks,
      localState: this.localMediaState(),
      on: {
        signal: (data) => this.client?.signal(id, data),
        streams: () => this.host.requestUpdate(),
        state: (state) => {
          if (remote.link !== link) return;
          remote.state = state;
          this.updateState();
        },
        path: (path) => {
          remote.path = path;
          fire(this.host, 'vc-connection', { peerId: id, ...path });
          this.host.requestUpdate();
        },
        media: () => this.host.requestUpdate(),
        iceServers: () => this.client?.refreshIceServers() ?? Promise.resolve(this.iceServers),
        error: (message, cause) => this.error('internal', `${message}: ${String(cause)}`, false),
      },
    });
    const remote: RemotePeer = { id, name: peer.name, link, state: 'new', path: undefined, orphanTimer: undefined };
    this.peers.set(id, remote);
    fire(this.host, 'vc-peer-joined', { peer });
    return remote;
  }

  private orphan(peer: RemotePeer): void {
    if (peer.orphanTimer !== undefined) return;
    peer.orphanTimer = setTimeout(() => {
      this.drop(peer, true);
      this.updateState();
    }, ORPHAN_GRACE_MS);
  }

  private drop(peer: RemotePeer, announce: boolean): void {
    clearTimeout(peer.orphanTimer);
    peer.link.close();
    this.peers.delete(peer.id);
    if (announce) fire(this.host, 'vc-peer-left', { id: peer.id });
    this.host.requestUpdate();
  }

  /**
   * Refusals are said in words (the server's message is for developers),
   * which come as a chunk: the refusal is acted on once they are there, in
   * the same order as any other error (`vc-error`, then the state). A fatal
   * error ends the call: `failed`, or `left` when a host ended it (a kick, a
   * denied knock), which also says `vc-left`.
   */
  private error(code: VideoCallErrorCode, message: string, fatal: boolean, reason?: UnauthorizedReason): void {
    if (!isRefusal(code)) return this.failed(code, message, fatal, reason);
    const client = this.client;
    void this.needs.refusalWords().then((words) => {
      const text = words ? refusalText(code, reason, words) : message;
      // Meanwhile leave() ended the call, or a new one began: only the event is left to say.
      this.failed(code, text, fatal && this.client === client, reason);
    });
  }

  private failed(code: VideoCallErrorCode, text: string, fatal: boolean, reason?: UnauthorizedReason): void {
    fire(this.host, 'vc-error', { code, message: text, ...(reason === undefined ? {} : { reason }) });
    if (!fatal) return;
    const end = endsAs(code);
    this.endedBecause = text;
    this.client = undefined;
    this.joined = undefined;
    for (const peer of [...this.peers.values()]) this.drop(peer, false);
    this.media.stop();
    this.room.reset();
    this.setState(end);
    if (end === 'left') fire(this.host, 'vc-left', {});
  }

  private updateState(): void {
    if (this.client === undefined) return;
    if (this.signaling === 'connecting') return this.setState('joining');
    if (this.signaling === 'reconnecting') return this.setState(this.id === undefined ? 'joining' : 'reconnecting');
    if (this.signaling === 'lobby') return this.setState('lobby');
    if (this.signaling !== 'joined') return;
    const peers = [...this.peers.values()];
    if (peers.length === 0) return this.setState('waiting');
    this.setState(peers.every((peer) => peer.state === 'connected') ? 'connected' : 'connecting');
  }

  private setState(state: CallState): void {
    this.host.requestUpdate();
    if (state === this.state) return;
    this.state = state;
    fire(this.host, 'vc-state', { state });
  }

  private localMediaState(): RemoteMediaState {
    const { audio, video, screen } = this.media.tracks;
    return { audio: audio !== null && this.media.micOn, video: video !== null, screen: screen !== null };
  }
}

function elementErrorCode(code: string): VideoCallErrorCode {
  return code === 'room-full' || code === 'server-unreachable' || isRefusal(code) ? code : 'protocol';
}
