/**
 * Which transceiver carries what, the same on both sides. The initiator lays
 * out the m-lines every later offer keeps: audio, video (the camera pair),
 * then the data channel; a screen share adds one more video m-line, sent only.
 * The other side attaches its tracks to the offered camera pair, so both sides
 * always agree. From the transceivers it also reads the remote streams: the
 * camera pair, and a screen while one is received.
 */

export interface LocalTracks {
  stream: MediaStream;
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  screen: MediaStream | null;
}

export class Transceivers {
  /** The remote camera and microphone. */
  camera: MediaStream | null = null;
  /** The remote screen share, while one is received. */
  screen: MediaStream | null = null;
  private screenTransceiver: RTCRtpTransceiver | undefined;

  constructor(private readonly pc: RTCPeerConnection) {}

  /** The initiator's camera pair: the first two m-lines. */
  layOutCamera(local: LocalTracks): void {
    this.pc.addTransceiver(local.audio ?? 'audio', { direction: 'sendrecv', streams: [local.stream] });
    this.pc.addTransceiver(local.video ?? 'video', { direction: 'sendrecv', streams: [local.stream] });
  }

  /** The answering side: our tracks onto the camera pair the first offer laid out. */
  async attachCamera(local: LocalTracks): Promise<void> {
    for (const kind of ['audio', 'video'] as const) {
      const transceiver = this.cameraTransceiver(kind);
      if (transceiver === undefined) continue;
      transceiver.direction = 'sendrecv';
      transceiver.sender.setStreams(local.stream);
      await transceiver.sender.replaceTrack(local[kind]);
    }
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

  /** Re-reads the remote streams after a remote description. */
  readRemoteStreams(): void {
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
  }

  /** The camera pair is the first audio and the first video transceiver, on both sides. */
  private cameraTransceiver(kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t !== this.screenTransceiver);
  }
}
