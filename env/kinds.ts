/**
 * The kinds of value the processes read, each parsed one way everywhere:
 * integers in a range, one of some words, text, IP addresses, comma lists
 * (of URLs, of CIDRs), secrets. A problem names what was expected and what
 * was given, except for secrets, which are never echoed.
 */
import { isIP } from 'node:net';
import { variable, type Declaration, type Kind, type Parsed, type Variable } from './variable.js';

/** A declaration whose default is "unset": the process decides, or the feature is off. */
export interface Optional {
  doc: string;
  defaultDoc?: string;
}

const nothing = { default: undefined };

/** The value, or the problem "must be <expected>, got <text>". */
export function checked<T>(text: string, value: T | undefined, expected: string): Parsed<T> {
  return value === undefined ? { problems: [`must be ${expected}, got "${text}"`] } : { value };
}

/** Plain decimal digits only: no sign, exponent, separator or unit. */
function integerKind(min: number, max: number): Kind<number> {
  return {
    range: { min, max },
    parse: (text) => {
      const parsed = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      const ok = Number.isSafeInteger(parsed) && parsed >= min && parsed <= max;
      return checked(text, ok ? parsed : undefined, `an integer from ${min} to ${max}`);
    },
  };
}

export function integer(
  name: string,
  declaration: Declaration<number> & { min: number; max: number },
): Variable<number> {
  const { min, max, ...rest } = declaration;
  return variable(name, integerKind(min, max), rest);
}

/** Case-sensitive. */
export function oneOf<const W extends string>(
  name: string,
  words: readonly W[],
  declaration: Declaration<W>,
): Variable<W> {
  const kind: Kind<W> = {
    words,
    parse: (text) =>
      checked(
        text,
        words.find((word) => word === text),
        `one of ${words.join(', ')}`,
      ),
  };
  return variable(name, kind, declaration);
}

const anyText: Kind<string> = { parse: (text) => ({ value: text }) };

export function text(name: string, declaration: Declaration<string>): Variable<string>;
export function text(name: string, declaration: Optional): Variable<string | undefined>;
export function text(name: string, declaration: Declaration<string> | Optional): Variable<string | undefined> {
  return variable<string | undefined>(name, anyText, { ...nothing, ...declaration });
}

const ipAddressKind: Kind<string> = {
  parse: (text) => checked(text, isIP(text) === 0 ? undefined : text, 'an IP address'),
};

export function ipAddress(name: string, declaration: Declaration<string>): Variable<string>;
export function ipAddress(name: string, declaration: Optional): Variable<string | undefined>;
export function ipAddress(name: string, declaration: Declaration<string> | Optional): Variable<string | undefined> {
  return variable<string | undefined>(name, ipAddressKind, { ...nothing, ...declaration });
}

/** Comma-separated; spaces around items and empty items are ignored. */
export function listItems(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** What each item of a list must be: `noun` names it in the problem ("has an invalid URL …"). */
export interface Item {
  noun: string;
  test(item: string): boolean;
}

/** Every bad item is reported; unset is the empty list. */
export function list(name: string, item: Item, declaration: Optional): Variable<string[]> {
  const kind: Kind<string[]> = {
    parse: (text) => {
      const items = listItems(text);
      const bad = items.filter((each) => !item.test(each));
      if (bad.length === 0) return { value: items };
      return { problems: bad.map((each) => `has an invalid ${item.noun} "${each}"`) };
    },
  };
  return variable(name, kind, { default: [], ...declaration });
}

/** A URL of one of `schemes`, with no spaces or commas (`{host}` placeholders pass). */
export function urlItem(...schemes: string[]): Item {
  const pattern = new RegExp(`^(${schemes.join('|')}):[^\\s,]+$`);
  return { noun: 'URL', test: (item) => pattern.test(item) };
}

/** An IPv4 or IPv6 address, alone or with a prefix length. */
export function isAddressOrCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export const cidrItem: Item = { noun: 'CIDR', test: isAddressOrCidr };

function secretKind(minLength: number): Kind<string> {
  return {
    minLength,
    parse: (text) =>
      text.length >= minLength
        ? { value: text }
        : { problems: [`must be at least ${minLength} characters (e.g. openssl rand -hex 32)`] },
  };
}

/** Never echoed in a problem, not even a bad one. */
export function secret(name: string, declaration: Optional & { minLength: number }): Variable<string | undefined>;
export function secret(name: string, declaration: Optional & { minLength: number; required: string }): Variable<string>;
export function secret(
  name: string,
  declaration: Optional & { minLength: number; required?: string },
): Variable<string | undefined> {
  const { minLength, ...rest } = declaration;
  // A required secret is never read as '' : its absence is a problem, and a process with problems does not start.
  return variable<string | undefined>(name, secretKind(minLength), {
    default: rest.required === undefined ? undefined : '',
    ...rest,
  });
}
