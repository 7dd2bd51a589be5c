/**
 * The core section of the catalogue (catalogue.ts), in English: what the
 * element's own module shows (status line, tiles, controls, refusals). It is
 * the source of the section's keys.
 */
export const core = {
  // The status line (labels.ts statusText).
  noRoom: 'No room given',
  ready: 'Ready to join {room}',
  prejoin: 'Ready to join',
  joining: 'Joining…',
  lobby: 'In the lobby',
  waiting: 'Waiting for someone to join',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost, reconnecting…',
  failed: 'The call failed',
  left: 'You left the call',
  // Tiles.
  you: 'You',
  youNamed: '{name} (you)',
  guest: 'Guest',
  screenOf: '{name}’s screen',
  connected: 'connected',
  badgeConnecting: 'connecting',
  direct: 'direct',
  nat: 'p2p · nat',
  relay: 'relay · {protocol}',
  mutedBy: 'Muted by {name}',
  aHost: 'a host',
  pin: 'Pin {name}',
  unpin: 'Unpin {name}',
  fullscreen: 'Show {name} full screen',
  // Controls.
  controls: 'Call controls',
  tap: 'Tap to hear the call',
  unmute: 'Unmute microphone',
  mute: 'Mute microphone',
  cameraOn: 'Turn camera on',
  cameraOff: 'Turn camera off',
  shareScreen: 'Share your screen',
  stopSharing: 'Stop sharing your screen',
  leave: 'Leave',
  leaveLabel: 'Leave the call',
  chat: 'Chat',
  join: 'Join call',
  joinAgain: 'Join again',
} as const;
