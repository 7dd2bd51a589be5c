/**
 * What a peer tells the other about its own media, for the other's tile:
 * microphone on, camera on, sharing its screen. Sent as JSON over the media-state
 * data channel (media-state-channel.ts). DOM-free, so it runs in node.
 */
export interface RemoteMediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

/** Reads a peer's message; anything but `true` is off. Throws on a message that is not a JSON object. */
export function parseMediaState(text: string): RemoteMediaState {
  const state: unknown = JSON.parse(text);
  if (typeof state !== 'object' || state === null) throw new Error(`not a media state: ${text.slice(0, 80)}`);
  const { audio, video, screen } = state as Partial<Record<keyof RemoteMediaState, unknown>>;
  return { audio: audio === true, video: video === true, screen: screen === true };
}
