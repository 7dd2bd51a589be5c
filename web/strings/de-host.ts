import type { Catalogue } from './catalogue.js';

/** The host section in German. */
export const host: Catalogue['host'] = {
  waitingToJoin: 'Warten auf Einlass',
  wantsToJoin: '{name} möchte beitreten',
  admit: 'Einlassen',
  admitNamed: '{name} einlassen',
  deny: 'Ablehnen',
  denyNamed: '{name} ablehnen',
  controlsFor: 'Host-Steuerung für {name}',
  mute: 'Stumm',
  muteNamed: '{name} stummschalten',
  remove: 'Entfernen',
  removeNamed: '{name} entfernen',
  lock: 'Raum abschließen',
  unlockHint: 'Raum öffnen: Gäste kommen sofort herein',
  lockHint: 'Raum abschließen: Gäste warten',
  hostHere: 'Warte darauf, dass der Host dich hereinlässt',
  noHost: 'Noch ist kein Host da. Du wirst hereingelassen, sobald einer kommt.',
  stay: 'Bleib auf dieser Seite: Der Anruf beginnt, sobald du eingelassen wirst.',
  guest: 'Gast',
};
