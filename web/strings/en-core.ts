/**
 * The core section of the catalogue (catalogue.ts), in English: what the
 * element's own module shows (status line, tiles, controls, refusals). It is
 * the source of the section's keys.
 */
export const core = {
  // The status line (labels.ts statusText).
  noRoom: 'No room given',
  ready: 'Ready to join {room}',
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
  // Controls.
  controls: 'Call controls',
  tap: 'Tap to hear the call',
  unmute: 'Unmute microphone',
  mute: 'Mute microphone',
  unmuteShort: 'Unmute',
  muteShort: 'Mute',
  cameraOn: 'Turn camera on',
  cameraOff: 'Turn camera off',
  cameraOnShort: 'Camera on',
  cameraOffShort: 'Camera off',
  shareScreen: 'Share your screen',
  stopSharing: 'Stop sharing your screen',
  shareShort: 'Share screen',
  stopShort: 'Stop sharing',
  leave: 'Leave',
  leaveLabel: 'Leave the call',
  join: 'Join call',
  joinAgain: 'Join again',
  // Refusals (refusals.ts): what happened and what to do.
  tokenMissing: 'This room needs an invitation (a token). Open the call from the invitation link you were sent.',
  tokenMalformed: 'Your invitation link is damaged or incomplete. Ask whoever invited you for a new link.',
  tokenBadSignature: 'Your invitation link is not valid for this server. Ask whoever invited you for a new link.',
  tokenExpired: 'Your invitation link has expired. Ask for a new one.',
  tokenNotYetValid: "Your invitation link is not valid yet. Try again later, and check this device's clock.",
  tokenWrongRoom: 'Your invitation is for another room. Ask whoever invited you for a new link.',
  tokenWrongAudience: 'Your invitation was issued for another site. Ask whoever invited you for a new link.',
  tokenUnknownKey:
    'Your invitation was signed with a key this server does not know. Ask whoever invited you for a new link.',
  tokenTooLong: 'Your invitation is valid for longer than this server allows. Ask whoever invited you for a new link.',
  tokenKicked: 'A host removed you from this room a moment ago. Wait a minute before joining again.',
  notAllowed: 'You are not allowed into this room.',
  forbidden: 'Only a host can do that.',
  kicked: 'A host removed you from the call.',
  denied: 'A host did not let you in.',
} as const;
