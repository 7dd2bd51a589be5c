/**
 * Perfect negotiation (W3C/MDN) for one peer connection: argument-less
 * setLocalDescription(), the impolite side ignores a colliding offer, the
 * polite side rolls back; trickle ICE, with candidates that arrive before
 * their description held until it is applied. Every step runs in arrival
 * order. Only the side that has started offers: the initiator from the
 * outset, the other once the first offer has laid out the m-lines.
 */
import type { SignalData } from '../../../protocol/signaling.js';
import { restartsIce } from './sdp.js';

export interface NegotiationHooks {
  signal(data: SignalData): void;
  /** An offer that restarts ICE arrived; runs before it is applied. */
  iceRestartOffered(): Promise<void>;
  /** The first offer reached the answering side; runs before it answers. */
  firstOffer(): Promise<void>;
  /** A remote description was applied. */
  described(): void;
  error(message: string, cause: unknown): void;
}

export class Negotiation {
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private readonly pendingCandidates: RTCIceCandidateInit[] = [];
  private work: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly polite: boolean,
    private started: boolean,
    private readonly hooks: NegotiationHooks,
  ) {
    pc.onicecandidate = ({ candidate: c }) => {
      if (c === null || c.candidate === '') return;
      const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = c;
      hooks.signal({ candidate: { candidate, sdpMid, sdpMLineIndex, usernameFragment } });
    };
    pc.onnegotiationneeded = () => this.enqueue(() => this.offer());
  }

  /** Applies one relayed description or candidate, in arrival order. */
  receive(data: SignalData): void {
    this.enqueue(() =>
      'description' in data ? this.receiveDescription(data.description) : this.receiveCandidate(data.candidate),
    );
  }

  close(): void {
    this.closed = true;
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(step).catch((error: unknown) => {
      if (!this.closed) this.hooks.error('negotiation step failed', error);
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

    if (description.type === 'offer' && restartsIce(this.pc.remoteDescription?.sdp, description.sdp)) {
      await this.hooks.iceRestartOffered();
    }
    this.settingRemoteAnswer = description.type === 'answer';
    await this.pc.setRemoteDescription(description);
    this.settingRemoteAnswer = false;
    for (const candidate of this.pendingCandidates.splice(0)) await this.addCandidate(candidate);

    if (description.type === 'offer') {
      if (!this.started) {
        this.started = true;
        await this.hooks.firstOffer();
      }
      await this.pc.setLocalDescription();
      this.sendDescription();
    }
    this.hooks.described();
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
    if (description !== null) this.hooks.signal({ description: { type: description.type, sdp: description.sdp } });
  }
}
