import type { Catalogue } from './catalogue.js';

/** The quality section in German. */
export const quality: Catalogue['quality'] = {
  good: 'Gute Verbindung',
  fair: 'Mäßige Verbindung',
  poor: 'Schlechte Verbindung',
};
