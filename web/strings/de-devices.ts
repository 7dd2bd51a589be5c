import type { Catalogue } from './catalogue.js';

/** The devices section in German. */
export const devices: Catalogue['devices'] = {};
