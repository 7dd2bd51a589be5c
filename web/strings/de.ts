/**
 * German: every section of the catalogue, one lazy chunk that the element
 * loads when its language is German (`lang="de"`, or the browser's language
 * when the element has none).
 */
import type { Catalogue } from './catalogue.js';
import { core } from './de-core.js';
import { host } from './de-host.js';
import { devices } from './de-devices.js';
import { chat } from './de-chat.js';
import { quality } from './de-quality.js';
import { refusals } from './de-refusals.js';

export const de: Catalogue = { core, host, devices, chat, quality, refusals };
