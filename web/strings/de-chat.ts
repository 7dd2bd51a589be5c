import type { Catalogue } from './catalogue.js';

/** The chat section in German. */
export const chat: Catalogue['chat'] = {};
