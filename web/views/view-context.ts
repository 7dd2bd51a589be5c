/**
 * What the element hands a lazy view chunk (views/*.ts): Lit's `html`, so
 * the chunk imports no Lit of its own; the element's current locale, read at
 * each render so that a language loaded or changed later is used at once; and
 * fill(), which a chunk would otherwise share with the element as a chunk of
 * its own.
 * Type-only: a chunk that imported anything at run time could load a second
 * copy of the element (chunk-loader.ts).
 */
import type { html } from 'lit';
import type { Locale } from '../strings/catalogue.js';
import type { fill } from '../strings/fill.js';

export interface ViewContext {
  html: typeof html;
  /** The loaded locale, or undefined for English (each chunk carries its own English section). */
  locale(): Locale;
  fill: typeof fill;
}
