/**
 * The display name remembered per origin, under the localStorage key
 * `vc-name`, which the /r/ page also reads (pages/room.ts). Storage may be
 * missing or refuse (private windows, a full quota, a sandboxed iframe): the
 * name is then simply not remembered, and nothing fails. Unit tested in node.
 */

export const NAME_KEY = 'vc-name';

/** The part of Storage this uses. */
export interface NameStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function recallName(store: NameStore | undefined): string {
  try {
    return store?.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Remembers a name; an empty one (only spaces) forgets it. */
export function rememberName(store: NameStore | undefined, name: string): void {
  const trimmed = name.trim();
  try {
    if (trimmed === '') store?.removeItem(NAME_KEY);
    else store?.setItem(NAME_KEY, trimmed);
  } catch {
    // Not remembered; the call does not need it.
  }
}
