/**
 * The local camera, microphone and screen share. Turning the camera off
 * stops its track (the camera light goes out); muting the microphone only
 * disables its track, so unmuting is instant. Every change is reported to
 * `onChange` so the call can swap tracks on its peer connections. The
 * pre-join screen (views/prejoin.ts) hands over the tracks of its preview,
 * so joining asks no second time and the camera does not blink. The speaker
 * (a sinkId) applies to every remote video, new ones included (sink()).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LocalTracks } from './peer/transceivers.js';
import type { VideoCallErrorCode } from '../events.js';

export interface MediaEvents {
  change(): void;
  error(code: VideoCallErrorCode, message: string): void;
}

export interface DeviceChoice {
  audio?: string;
  video?: string;
  /** An audiooutput device id, for HTMLMediaElement.setSinkId(). */
  speaker?: string;
}

export class MediaController implements ReactiveController {
  readonly stream = new MediaStream();
  audio: MediaStreamTrack | null = null;
  video: MediaStreamTrack | null = null;
  screen: MediaStream | null = null;
  micOn = true;
  cameraOn = true;
  devices: DeviceChoice = {};
  /** Set by handOver(): the next start() uses those tracks instead of asking for devices. */
  private handed = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly on: MediaEvents,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.stop();
  }

  get tracks(): LocalTracks {
    return { stream: this.stream, audio: this.audio, video: this.video, screen: this.screen };
  }

  /** Opens the microphone, and the camera unless it is off. A refusal is reported; the call goes on without. */
  async start(micOn: boolean, cameraOn: boolean): Promise<void> {
    this.micOn = micOn;
    this.cameraOn = cameraOn;
    if (!this.handed) await this.acquire(true, cameraOn);
    this.handed = false;
    // this.micOn, not micOn: a host may have muted this side while the devices were opening.
    if (this.audio !== null) this.audio.enabled = this.micOn;
    this.changed();
  }

  setMicrophone(on: boolean): void {
    this.micOn = on;
    if (this.audio !== null) this.audio.enabled = on;
    this.changed();
  }

  async setCamera(on: boolean): Promise<void> {
    this.cameraOn = on;
    if (!on) {
      this.drop('video');
    } else if (this.video === null) {
      await this.acquire(false, true);
    }
    this.changed();
  }

  async shareScreen(): Promise<void> {
    if (this.screen !== null) return;
    try {
      const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      // The browser's own "stop sharing" button ends the track.
      screen.getVideoTracks()[0]?.addEventListener('ended', () => this.stopScreenShare());
      this.screen = screen;
      this.changed();
    } catch (error) {
      this.on.error('screen-share-failed', describe(error, 'screen sharing was refused or is not available'));
    }
  }

  stopScreenShare(): void {
    if (this.screen === null) return;
    for (const track of this.screen.getTracks()) track.stop();
    this.screen = null;
    this.changed();
  }

  /** The pre-join screen's tracks and choices, for the call it starts: its devices were asked for once. */
  handOver(tracks: MediaStreamTrack[], devices: DeviceChoice): void {
    this.devices = devices;
    for (const track of tracks) this.adopt(track);
    this.handed = true;
  }

  /**
   * Switches to other devices (ids from navigator.mediaDevices.enumerateDevices()). A new track
   * replaces the old on every connection (replaceTrack: no renegotiation); a muted microphone stays muted.
   * A speaker is tried first on an element of its own: an unknown one (or a browser without setSinkId) rejects.
   */
  async setDevices(choice: DeviceChoice): Promise<void> {
    // An unknown speaker rejects here (NotFoundError), before anything changes, even with no one to hear yet.
    if (choice.speaker !== undefined) await new Audio().setSinkId(choice.speaker);
    this.devices = { ...this.devices, ...choice };
    const audio = choice.audio !== undefined && this.audio !== null;
    const video = choice.video !== undefined && this.video !== null;
    if (audio) this.drop('audio');
    if (video) this.drop('video');
    await this.acquire(audio, video);
    if (this.audio !== null) this.audio.enabled = this.micOn;
    this.changed();
  }

  /** Plays `video` on the chosen speaker. */
  sink(video: HTMLVideoElement): void {
    const id = this.devices.speaker;
    // A failure here was already told by setDevices() (the same id, on an element of its own).
    if (id && video.sinkId !== id) void video.setSinkId(id).catch(() => undefined);
  }

  stop(): void {
    this.drop('audio');
    this.drop('video');
    if (this.screen !== null) for (const track of this.screen.getTracks()) track.stop();
    this.screen = null;
  }

  private async acquire(audio: boolean, video: boolean): Promise<void> {
    if (!audio && !video) return;
    const constraints = (kind: 'audio' | 'video'): MediaTrackConstraints | boolean => {
      const deviceId = this.devices[kind];
      return deviceId === undefined ? true : { deviceId: { exact: deviceId } };
    };
    try {
      const got = await navigator.mediaDevices.getUserMedia({
        audio: audio && constraints('audio'),
        video: video && constraints('video'),
      });
      for (const track of got.getTracks()) this.adopt(track);
    } catch (error) {
      if (audio && video) {
        // One device may work without the other (no camera, camera in use).
        await this.acquire(true, false);
        await this.acquire(false, true);
        return;
      }
      const denied =
        error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'SecurityError');
      const kind = audio ? 'microphone' : 'camera';
      this.on.error(
        denied ? 'media-denied' : 'media-unavailable',
        describe(error, denied ? `${kind} access was denied` : `no ${kind} could be opened`),
      );
      if (video) this.cameraOn = false;
    }
  }

  private adopt(track: MediaStreamTrack): void {
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    this.drop(kind);
    this[kind] = track;
    this.stream.addTrack(track);
  }

  private drop(kind: 'audio' | 'video'): void {
    const track = this[kind];
    if (track === null) return;
    track.stop();
    this.stream.removeTrack(track);
    this[kind] = null;
  }

  private changed(): void {
    this.on.change();
    this.host.requestUpdate();
  }
}

function describe(error: unknown, fallback: string): string {
  return error instanceof Error && error.message !== '' ? `${fallback}: ${error.message}` : fallback;
}
