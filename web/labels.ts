/**
 * The words and names the element shows: its status line, a tile's path
 * badge and avatar letter, and the display name as the server accepts it,
 * in the words of the catalogue section it is given. Pure, so it is unit tested without a browser.
 */
import type { CallState, ConnectionPath } from './events.js';
import { fill } from './strings/fill.js';
import type { CoreStrings } from './strings/catalogue.js';

/**
 * The status line. `ended`: why the call failed or ended, when something
 * other than leave() ended it (a refusal, a full room, a kick), in words.
 */
export function statusText(state: CallState, room: string, ended: string | undefined, s: CoreStrings): string {
  switch (state) {
    case 'idle':
      return room === '' ? s.noRoom : fill(s.ready, { room });
    case 'connected':
      return '';
    case 'failed':
    case 'left':
      return ended || s[state];
    case 'prejoin':
    case 'joining':
    case 'lobby':
    case 'waiting':
    case 'connecting':
    case 'reconnecting':
      return s[state];
  }
}

/** How a tile names its media path: through the relay (and how), straight, or through a NAT. */
export function pathLabel(path: ConnectionPath, s: CoreStrings): string {
  if (path.path === 'relay') return fill(s.relay, { protocol: path.protocol });
  return path.path === 'direct' ? s.direct : s.nat;
}

/** The name as the server accepts it: no control characters, at most 64 UTF-16 units, whole characters only. */
export function displayName(name: string): string {
  let result = '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what the server refuses in a name
  for (const char of name.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()) {
    if (result.length + char.length > 64) break;
    result += char;
  }
  return result.trim();
}

export function initial(name: string): string {
  return (name.trim()[0] ?? '?').toUpperCase();
}
