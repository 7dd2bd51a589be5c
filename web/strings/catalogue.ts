/**
 * Every user-visible string of the element, in one catalogue of sections.
 * Each section has an English file (`en-<section>.ts`), which is the source
 * of its keys, and a file per other locale (`de-<section>.ts`) held to those
 * keys by the compiler. Sections follow the code that shows them, so that a
 * chunk carries its own English and the element's module only the core's:
 * `core` is in video-call.js; `host`, `devices`, `chat` and `quality` are in
 * the chunks that show them, `refusals` in a chunk of its own. Other locales are one chunk each
 * (`de.ts`), loaded when the element's language asks for one.
 *
 * Placeholders are `{name}`; a translation must keep every
 * placeholder of its English (test/web/strings.test.ts checks both). fill.ts fills them.
 */
import type { core } from './en-core.js';
import type { host } from './en-host.js';
import type { devices } from './en-devices.js';
import type { chat } from './en-chat.js';
import type { quality } from './en-quality.js';
import type { refusals } from './en-refusals.js';

/** A section in another language: the English section's keys, each a string. */
export type Translation<T> = { readonly [K in keyof T]: string };

export interface Catalogue {
  core: Translation<typeof core>;
  host: Translation<typeof host>;
  devices: Translation<typeof devices>;
  chat: Translation<typeof chat>;
  quality: Translation<typeof quality>;
  refusals: Translation<typeof refusals>;
}

export type Section = keyof Catalogue;
export type CoreStrings = Catalogue['core'];
export type RefusalStrings = Catalogue['refusals'];

/** A locale other than English, once its chunk is loaded; `undefined` means English. */
export type Locale = Catalogue | undefined;
