/** The control icons, inline SVG so the bundle needs no other request. */
import { svg } from 'lit';

/** `path` is the SVG path data, given in pieces (split before a command) so that lines stay short. */
const icon = (...path: string[]) => svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="${path.join('')}"/></svg>`;

export const icons = {
  mic: icon(
    'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21',
    'h2v-3.08A7 7 0 0 0 19 11h-2Z',
  ),
  micOff: icon(
    'M19 11h-1.7a5.2 5.2 0 0 1-.43 2.05l1.23 1.23A6.9 6.9 0 0 0 19 11Zm-4.02.17V5a3 3 0 0 0-5.98-.3',
    'l5.98 5.98v.49ZM4.27 3 3 4.27l6.01 6.01V11a3 3 0 0 0 4.08 2.8l1.66 1.66A5 5 0 0 1 7 11H5',
    'a7 7 0 0 0 6 6.92V21h2v-3.08a6.9 6.9 0 0 0 2.98-1.05L19.73 21 21 19.73 4.27 3Z',
  ),
  camera: icon('M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11l-4 4Z'),
  cameraOff: icon(
    'M21 6.5l-4 4V7a1 1 0 0 0-1-1H9.82L21 17.18V6.5ZM3.27 2 2 3.27 4.73 6H4a1 1 0 0 0-1 1v10',
    'a1 1 0 0 0 1 1h12c.21 0 .39-.08.54-.18L19.73 21 21 19.73 3.27 2Z',
  ),
  screen: icon(
    'M20 18c1.1 0 1.99-.9 1.99-2L22 6a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2v10c0 1.1.9 2 2 2H0v2h24v-2h-4Z',
    'M4 16V6h16v10H4Zm9-7.5V7l3 3-3 3v-1.5c-2.5 0-4 .8-5 2.5.4-2.5 1.8-4.8 5-5.5Z',
  ),
  leave: icon(
    'M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .39-.23.74-.56.9-.98.49-1.87 1.12-2.66 1.85',
    'a1 1 0 0 1-1.41-.02L.29 13.08a1 1 0 0 1 0-1.41C3.34 8.78 7.46 7 12 7s8.66 1.78 11.71 4.67',
    'a1 1 0 0 1 0 1.41l-2.48 2.48a1 1 0 0 1-1.41.02c-.79-.74-1.69-1.36-2.67-1.85a1 1 0 0 1-.56-.9',
    'v-3.1A15 15 0 0 0 12 9Z',
  ),
  pin: icon('M16 9V4h1V2H7v2h1v5a3 3 0 0 1-3 3v2h6v7l1 1 1-1v-7h6v-2a3 3 0 0 1-3-3Z'),
  fullscreen: icon('M7 14H5v5h5v-2H7v-3Zm-2-4h2V7h3V5H5v5Zm12 7h-3v2h5v-5h-2v3ZM14 5v2h3v3h2V5h-5Z'),
};
