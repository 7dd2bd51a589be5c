/**
 * The `vc-*` events `<video-call>` fires. All bubble and are composed, so a
 * page can listen on the element or on any ancestor, shadow roots included.
 */
import type { KnockEndedMessage, Peer, UnauthorizedReason } from '../protocol/signaling.js';

/** `prejoin`: on the pre-join screen (the `prejoin` attribute). `lobby`: waiting for a host to let this side in. */
export type CallState =
  | 'idle'
  | 'prejoin'
  | 'joining'
  | 'lobby'
  | 'waiting'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'failed'
  | 'left';

/** The path media takes to one peer, from the selected ICE candidate pair. */
export interface ConnectionPath {
  /** `direct`: host to host; `srflx`: through a NAT's public address; `relay`: through TURN. */
  path: 'direct' | 'srflx' | 'relay';
  /** The transport to the TURN server for `relay`, the local candidate's otherwise. */
  protocol: 'udp' | 'tcp' | 'tls';
  /** The local and remote candidate types (`host`, `srflx`, `prflx`, `relay`). */
  local: string;
  remote: string;
  /** False while a candidate is still peer-reflexive (not yet matched to a signaled one); a settled event follows. */
  settled: boolean;
}

/** Stable codes; `message` is for people. */
export type VideoCallErrorCode =
  | 'room-full'
  | 'invalid-room'
  | 'server-unreachable'
  | 'media-denied'
  | 'media-unavailable'
  | 'screen-share-failed'
  | 'unauthorized'
  | 'forbidden'
  | 'kicked'
  | 'denied'
  | 'protocol'
  | 'internal'
  | 'message-refused';

export interface VideoCallEventDetails {
  'vc-joined': { id: string; room: string; peers: Peer[] };
  'vc-peer-joined': { peer: Peer };
  'vc-peer-left': { id: string };
  'vc-connection': { peerId: string } & ConnectionPath;
  'vc-state': { state: CallState };
  /** `reason` comes with `unauthorized` only: why the server refused the token. */
  'vc-error': { code: VideoCallErrorCode; message: string; reason?: UnauthorizedReason };
  'vc-left': Record<string, never>;
  /** To hosts: a guest waits in the lobby. */
  'vc-knock': { peer: Peer };
  /** To hosts: a guest no longer waits. */
  'vc-knock-ended': { id: string; outcome: KnockEndedMessage['outcome'] };
  /** To a waiting guest, and again whenever a host arrives or the last one leaves. */
  'vc-lobby': { hostPresent: boolean };
  /** A host muted this side; the microphone is already off. */
  'vc-muted': { by: Peer };
  'vc-locked': { locked: boolean; by: Peer };
  /** The network to a peer got better or worse (and its first grade): seconds, a fraction, bits per second, or null. */
  'vc-network-quality': {
    peerId: string;
    quality: 'good' | 'fair' | 'poor';
    rtt: number | null;
    loss: number | null;
    jitter: number | null;
    availableOutgoingBitrate: number | null;
    limitation: string | null;
  };
  /** The active speaker changed: a peer's id, this side's own, or null for nobody. */
  'vc-speaker': { id: string | null };
  /** A chat message, once each; `self` for this side's own, when the server has relayed it. `id` is `<from.id>:<mid>`. */
  'vc-message': { id: string; from: { id: string; name: string }; text: string; ts: number; self: boolean };
}

export type VideoCallEventName = keyof VideoCallEventDetails;

export function fire<K extends VideoCallEventName>(
  target: EventTarget,
  name: K,
  detail: VideoCallEventDetails[K],
): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

declare global {
  interface GlobalEventHandlersEventMap {
    'vc-joined': CustomEvent<VideoCallEventDetails['vc-joined']>;
    'vc-peer-joined': CustomEvent<VideoCallEventDetails['vc-peer-joined']>;
    'vc-peer-left': CustomEvent<VideoCallEventDetails['vc-peer-left']>;
    'vc-connection': CustomEvent<VideoCallEventDetails['vc-connection']>;
    'vc-state': CustomEvent<VideoCallEventDetails['vc-state']>;
    'vc-error': CustomEvent<VideoCallEventDetails['vc-error']>;
    'vc-left': CustomEvent<VideoCallEventDetails['vc-left']>;
    'vc-knock': CustomEvent<VideoCallEventDetails['vc-knock']>;
    'vc-knock-ended': CustomEvent<VideoCallEventDetails['vc-knock-ended']>;
    'vc-lobby': CustomEvent<VideoCallEventDetails['vc-lobby']>;
    'vc-muted': CustomEvent<VideoCallEventDetails['vc-muted']>;
    'vc-locked': CustomEvent<VideoCallEventDetails['vc-locked']>;
    'vc-network-quality': CustomEvent<VideoCallEventDetails['vc-network-quality']>;
    'vc-speaker': CustomEvent<VideoCallEventDetails['vc-speaker']>;
    'vc-message': CustomEvent<VideoCallEventDetails['vc-message']>;
  }
}
