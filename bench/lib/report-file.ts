/**
 * Writing a report into docs/. Most benches own a whole file; a bench with a
 * `section` owns only the part of another bench's file between its markers,
 * so two benches can share one report without either erasing the other.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const begin = (section: string): string => `<!-- bench ${section}: begin -->`;
const end = (section: string): string => `<!-- bench ${section}: end -->`;

/** Every marked section in `text`, markers included, in order. */
function sectionsIn(text: string): string[] {
  return [...text.matchAll(/<!-- bench ([\w-]+): begin -->[\s\S]*?<!-- bench \1: end -->/g)].map((match) => match[0]);
}

/**
 * Writes `markdown` to `file`: as the whole file, keeping the sections other benches wrote into the old
 * one (appended at its end); or, with `section`, as that section, replacing its previous text in place or
 * appended at the end the first time.
 */
export function writeReport(file: string, markdown: string, section?: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (section === undefined) {
    const kept = sectionsIn(old);
    writeFileSync(file, kept.length === 0 ? markdown : `${markdown.trimEnd()}\n\n${kept.join('\n\n')}\n`);
    return;
  }
  const marked = `${begin(section)}\n${markdown.trim()}\n${end(section)}`;
  const at = old.indexOf(begin(section));
  const until = old.indexOf(end(section));
  if (at >= 0 && until > at) {
    writeFileSync(file, old.slice(0, at) + marked + old.slice(until + end(section).length));
  } else {
    writeFileSync(file, old.trim() === '' ? `${marked}\n` : `${old.trimEnd()}\n\n${marked}\n`);
  }
}
