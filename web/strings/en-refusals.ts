/**
 * The refusals section of the catalogue (catalogue.ts), in English: what
 * happened and what to do when the server turns this side away (refusals.ts).
 * A chunk of its own, loaded when a refusal comes: most calls never see one.
 */
export const refusals = {
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
