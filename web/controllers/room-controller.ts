/**
 * Who this side is in the room and what the room asks of it (protocol 1.1):
 * its role, whether the room is locked, the lobby it may wait in, the guests
 * knocking (for hosts), and a host's mute. The call controller feeds it the
 * signaling client's messages; the element renders what it holds, and loads
 * the host and lobby views when `needsView` says so.
 */
import type { ReactiveControllerHost } from 'lit';
import type { KnockEndedMessage, Peer, Role, WelcomeMessage } from '../../protocol/signaling.js';
import { fire } from '../events.js';

/** What it needs of the element and the media controller; no more, so that it runs (and is tested) without a DOM. */
type Host = Pick<ReactiveControllerHost, 'requestUpdate'> & EventTarget;
interface Microphone {
  setMicrophone(on: boolean): void;
}

/** It opens nothing, so it has no lifecycle: the call controller resets it whenever the call ends. */
export class RoomController {
  role: Role = 'guest';
  locked = false;
  /** Set while waiting in the lobby: whether a host is there to let this side in. */
  hostPresent: boolean | undefined;
  /** To hosts: the guests waiting in the lobby, in the order they knocked. */
  readonly knocks = new Map<string, Peer>();
  /** The host who last muted this side, until this side unmutes. */
  mutedBy: Peer | undefined;

  constructor(
    private readonly host: Host,
    private readonly media: Microphone,
    /** Tells the element its microphone is off, so that its `muted` property and button agree. */
    private readonly micTurnedOff: () => void,
  ) {}

  /** Whether the host tools or the lobby screen are wanted now. */
  get needsView(): boolean {
    return this.role === 'host' || this.hostPresent !== undefined;
  }

  /**
   * In the room: the role and lock the server granted. Knocks heard before a
   * reconnect that kept this peer's id stay (the server repeats the ones
   * still waiting); a new id starts over.
   */
  welcome(message: WelcomeMessage): void {
    this.role = message.role ?? 'guest';
    this.locked = message.locked ?? false;
    this.hostPresent = undefined;
    if (!message.resumed) this.knocks.clear();
    this.host.requestUpdate();
  }

  lobby(hostPresent: boolean): void {
    this.hostPresent = hostPresent;
    fire(this.host, 'vc-lobby', { hostPresent });
    this.host.requestUpdate();
  }

  knock(peer: Peer): void {
    const known = this.knocks.has(peer.id);
    this.knocks.set(peer.id, peer);
    if (!known) fire(this.host, 'vc-knock', { peer });
    this.host.requestUpdate();
  }

  knockEnded(id: string, outcome: KnockEndedMessage['outcome']): void {
    this.knocks.delete(id);
    fire(this.host, 'vc-knock-ended', { id, outcome });
    this.host.requestUpdate();
  }

  /** A host muted this side: the microphone goes off before anyone hears of it. Only this side can unmute. */
  muted(by: Peer): void {
    this.media.setMicrophone(false);
    this.micTurnedOff();
    this.mutedBy = by;
    fire(this.host, 'vc-muted', { by });
  }

  /** This side unmuted itself: the notice of who muted it has had its day. */
  unmuted(): void {
    this.mutedBy = undefined;
  }

  roomLocked(locked: boolean, by: Peer): void {
    this.locked = locked;
    fire(this.host, 'vc-locked', { locked, by });
    this.host.requestUpdate();
  }

  /** Out of the room: nothing of it is left. */
  reset(): void {
    this.role = 'guest';
    this.locked = false;
    this.hostPresent = undefined;
    this.knocks.clear();
    this.mutedBy = undefined;
  }
}
