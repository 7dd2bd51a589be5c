import type { Catalogue } from './catalogue.js';

/** The refusals section in German. */
export const refusals: Catalogue['refusals'] = {
  tokenMissing:
    'Dieser Raum braucht eine Einladung (ein Token). Öffne den Anruf über den Einladungslink, den du bekommen hast.',
  tokenMalformed: 'Dein Einladungslink ist beschädigt oder unvollständig. Bitte um einen neuen Link.',
  tokenBadSignature: 'Dein Einladungslink gilt nicht für diesen Server. Bitte um einen neuen Link.',
  tokenExpired: 'Dein Einladungslink ist abgelaufen. Bitte um einen neuen.',
  tokenNotYetValid: 'Dein Einladungslink gilt noch nicht. Versuche es später und prüfe die Uhr dieses Geräts.',
  tokenWrongRoom: 'Deine Einladung gilt für einen anderen Raum. Bitte um einen neuen Link.',
  tokenWrongAudience: 'Deine Einladung wurde für eine andere Website ausgestellt. Bitte um einen neuen Link.',
  tokenUnknownKey:
    'Deine Einladung wurde mit einem Schlüssel signiert, den dieser Server nicht kennt. Bitte um einen neuen Link.',
  tokenTooLong: 'Deine Einladung gilt länger, als dieser Server erlaubt. Bitte um einen neuen Link.',
  tokenKicked: 'Ein Host hat dich gerade aus diesem Raum entfernt. Warte eine Minute, bevor du wieder beitrittst.',
  notAllowed: 'Du darfst diesem Raum nicht beitreten.',
  forbidden: 'Das darf nur ein Host.',
  kicked: 'Ein Host hat dich aus dem Anruf entfernt.',
  denied: 'Ein Host hat dich nicht hereingelassen.',
};
