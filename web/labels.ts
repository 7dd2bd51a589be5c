/**
 * The words and names the element shows: its status line, a tile's path
 * badge and avatar letter, and the display name as the server accepts it.
 * Pure, so it is unit tested without a browser.
 */
import type { CallState, ConnectionPath } from './events.js';

/**
 * The status line. `ended`: why the call failed or ended, when something
 * other than leave() ended it (a refusal, a full room, a kick), in words.
 */
export function statusText(state: CallState, room: string, ended: string | undefined): string {
  switch (state) {
    case 'idle':
      return room === '' ? 'No room given' : `Ready to join ${room}`;
    case 'joining':
      return 'Joining…';
    case 'lobby':
      return 'In the lobby';
    case 'waiting':
      return 'Waiting for someone to join';
    case 'connecting':
      return 'Connecting…';
    case 'connected':
      return '';
    case 'reconnecting':
      return 'Connection lost, reconnecting…';
    case 'failed':
      return ended || 'The call failed';
    case 'left':
      return ended || 'You left the call';
  }
}

/** How a tile names its media path: through the relay (and how), straight, or through a NAT. */
export function pathLabel(path: ConnectionPath): string {
  if (path.path === 'relay') return `relay · ${path.protocol}`;
  return path.path === 'direct' ? 'direct' : 'p2p · nat';
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
