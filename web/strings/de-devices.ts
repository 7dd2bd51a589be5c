import type { Catalogue } from './catalogue.js';

/** The devices section in German. */
export const devices: Catalogue['devices'] = {
  title: 'Prüfe Kamera und Mikrofon',
  preview: 'Kameravorschau',
  noPreview: 'Kamera aus',
  level: 'Mikrofonpegel',
  camera: 'Kamera',
  microphone: 'Mikrofon',
  speaker: 'Lautsprecher',
  cameraN: 'Kamera {n}',
  microphoneN: 'Mikrofon {n}',
  speakerN: 'Lautsprecher {n}',
  systemDefault: 'Systemstandard',
  noSpeakerChoice:
    'Dieser Browser gibt den Anruf über seinen Standardlautsprecher wieder; hier lässt er sich nicht wechseln.',
  name: 'Dein Name',
  namePlaceholder: 'Gast',
  micOff: 'Mit ausgeschaltetem Mikrofon beitreten',
  cameraOff: 'Mit ausgeschalteter Kamera beitreten',
  join: 'Beitreten',
  starting: 'Kamera und Mikrofon werden gestartet…',
  denied: 'Dein Browser hat Kamera und Mikrofon blockiert.',
  deniedHint:
    'Um sie zu erlauben, klicke auf das Symbol links neben der Adresse (ein Schloss oder eine Kamera), stelle Kamera und Mikrofon auf „Zulassen“ und lade die Seite neu. Du kannst auch ohne sie beitreten.',
  noDevices: 'Keine Kamera und kein Mikrofon gefunden.',
  noDevicesHint:
    'Schließe eines an, dann erscheint es hier, oder tritt ohne bei: du siehst und hörst die anderen trotzdem.',
  noCamera: 'Keine Kamera gefunden: du trittst nur mit Mikrofon bei.',
  noMicrophone: 'Kein Mikrofon gefunden: du trittst nur mit Kamera bei.',
  failed:
    'Kamera oder Mikrofon ließen sich nicht starten ({reason}). Schließe andere Programme, die sie nutzen, oder tritt ohne bei.',
  devices: 'Geräte',
  devicesLabel: 'Kamera, Mikrofon und Lautsprecher',
  close: 'Schließen',
};
