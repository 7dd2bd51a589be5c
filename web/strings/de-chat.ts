import type { Catalogue } from './catalogue.js';

/** The chat section in German. */
export const chat: Catalogue['chat'] = {
  title: 'Chat',
  close: 'Chat schließen',
  messages: 'Nachrichten',
  placeholder: 'Nachricht schreiben',
  send: 'Senden',
  you: 'Du',
  guest: 'Gast',
  sending: 'Wird gesendet…',
  tooLong: 'Zu lang: höchstens {max} Bytes',
  'too-large': 'Nicht gesendet: Die Nachricht ist zu lang',
  'rate-limited': 'Nicht gesendet: zu viele Nachrichten auf einmal',
  'bad-message': 'Nicht gesendet: Die Nachricht enthält Zeichen, die nicht gesendet werden können',
  'not-joined': 'Nicht gesendet: Du bist nicht im Anruf',
  lost: 'Nicht gesendet: Die Verbindung ist abgebrochen',
  notSent: 'Nicht gesendet',
};
