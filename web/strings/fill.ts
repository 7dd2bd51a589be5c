/**
 * Fills `{name}` placeholders in a catalogue string (catalogue.ts). A
 * placeholder with no value is left as it is, so that a missing value shows
 * rather than vanishes. Its own module: the element and every chunk that
 * shows words use it, and each bundles its own few bytes of it.
 */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}
