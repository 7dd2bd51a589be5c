/**
 * The call page, built only from the public element, as any embedding site
 * would: it sets attributes, calls join(), and listens to vc-* events. A room
 * link may carry a room token (`/r/<room>?token=…`); the page hands it to the
 * element and takes it out of the address bar. "Copy link" never includes it.
 * It shows the pre-join screen first (the element's `prejoin`), unless the
 * link says `?prejoin=0` (tests and kiosks that join at once).
 */
import type { VideoCall } from '../video-call.js';

const ROOM = /^\/r\/([A-Za-z0-9_-]{1,64})\/?$/;

const call = document.querySelector<VideoCall>('video-call');
const title = document.querySelector<HTMLElement>('#title');
const copy = document.querySelector<HTMLButtonElement>('#copy');
const room = ROOM.exec(location.pathname)?.[1];

if (call && title && copy && room !== undefined) {
  document.title = `${room} · Video call`;
  title.textContent = room;
  const params = new URLSearchParams(location.search);
  call.name = params.get('name') ?? localStorage.getItem('vc-name') ?? '';
  const token = params.get('token');
  if (token !== null) {
    call.token = token;
    // Out of the address bar, the history and any link copied from it: the token is this person's invitation.
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
  call.prejoin = params.get('prejoin') !== '0';
  call.room = room;
  void customElements.whenDefined('video-call').then(() => call.join());

  const copyLink = async () => {
    const link = new URL(`/r/${room}`, location.href).href;
    try {
      await navigator.clipboard.writeText(link);
      copy.textContent = 'Copied';
    } catch {
      copy.textContent = link;
    }
    setTimeout(() => (copy.textContent = 'Copy link'), 2000);
  };

  copy.addEventListener('click', () => void copyLink());
}
