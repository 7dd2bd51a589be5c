/**
 * The data channel that carries each side's media state (media-state.ts) to
 * the other. It is negotiated with a fixed id, so both sides open it without
 * an extra round trip; its m-line comes right after the camera pair.
 */
import { parseMediaState, type RemoteMediaState } from './media-state.js';

export interface MediaStateEvents {
  media(state: RemoteMediaState): void;
  error(message: string, cause: unknown): void;
}

export class MediaStateChannel {
  /** The other side's state, as it last said (all on until it says). */
  remote: RemoteMediaState = { audio: true, video: true, screen: false };
  private channel: RTCDataChannel | undefined;

  constructor(
    private local: RemoteMediaState,
    private readonly on: MediaStateEvents,
  ) {}

  open(pc: RTCPeerConnection): void {
    const channel = pc.createDataChannel('vc', { negotiated: true, id: 0 });
    this.channel = channel;
    channel.onopen = () => channel.send(JSON.stringify(this.local));
    channel.onmessage = (event) => {
      try {
        this.remote = parseMediaState(String(event.data));
        this.on.media(this.remote);
      } catch (error) {
        this.on.error('bad data channel message', error);
      }
    };
  }

  /** Tells the other side now if the channel is open, else once it opens. */
  setLocal(state: RemoteMediaState): void {
    this.local = state;
    if (this.channel?.readyState === 'open') this.channel.send(JSON.stringify(state));
  }

  close(): void {
    this.channel?.close();
  }
}
