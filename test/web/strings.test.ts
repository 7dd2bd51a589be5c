/**
 * The catalogue (web/strings/): every locale has every key of every English
 * section, no empty string, and the same placeholders, so that a German page
 * never shows a raw key, an English leftover by omission, or a lost `{name}`.
 */
import { describe, expect, it } from 'vitest';
import type { Catalogue, Section } from '../../web/strings/catalogue.js';
import { core } from '../../web/strings/en-core.js';
import { host } from '../../web/strings/en-host.js';
import { devices } from '../../web/strings/en-devices.js';
import { chat } from '../../web/strings/en-chat.js';
import { quality } from '../../web/strings/en-quality.js';
import { refusals } from '../../web/strings/en-refusals.js';
import { de } from '../../web/strings/de.js';
import { fill } from '../../web/strings/fill.js';

const english: Catalogue = { core, host, devices, chat, quality, refusals };
const locales: Record<string, Catalogue> = { de };
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the string catalogue', () => {
  it('has the same sections in every locale', () => {
    for (const [name, locale] of Object.entries(locales))
      expect(Object.keys(locale).sort(), name).toEqual(Object.keys(english).sort());
  });

  for (const section of Object.keys(english) as Section[]) {
    it(`has every key of the ${section} section in every locale, non-empty, with the English placeholders`, () => {
      const source: Record<string, string> = english[section];
      for (const [name, locale] of Object.entries(locales)) {
        const translated: Record<string, string> = locale[section];
        expect(Object.keys(translated).sort(), `${name}.${section}`).toEqual(Object.keys(source).sort());
        for (const [key, text] of Object.entries(source)) {
          expect(text.trim(), `en.${section}.${key}`).not.toBe('');
          expect(translated[key]?.trim(), `${name}.${section}.${key}`).not.toBe('');
          expect(placeholders(translated[key] ?? ''), `${name}.${section}.${key}`).toEqual(placeholders(text));
        }
      }
    });
  }
});

describe('fill', () => {
  it('fills each placeholder, and leaves one without a value as it is', () => {
    expect(fill('{name} wants to join {room}', { name: 'Ada', room: 'standup' })).toBe('Ada wants to join standup');
    expect(fill('Muted by {name}', {})).toBe('Muted by {name}');
    expect(fill('{n} new', { n: 3 })).toBe('3 new');
  });
});
