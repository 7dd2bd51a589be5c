/**
 * The host tools and the lobby screen: the admit/deny prompt for each
 * knocking guest, a mute/remove menu on each remote tile, the lock toggle,
 * and what a waiting guest sees. Most calls need none of it, so it is a
 * chunk of its own that the element loads on first need, beside itself.
 *
 * It imports nothing at run time: Lit's `html` comes from the element. A
 * static import back into video-call.js would resolve against this chunk's
 * URL, and a page that loaded the element under another URL (with a query
 * string, say) would get a second copy of it.
 */
import type { TemplateResult } from 'lit';
import type { Peer } from '../../protocol/signaling.js';
import { host as english } from '../strings/en-host.js';
import type { ViewContext } from './view-context.js';

export interface HostLobbyView {
  /** Adopted into the element's shadow root beside its own styles. */
  styles: CSSStyleSheet;
  knocks(peers: Peer[], admit: (id: string) => void, deny: (id: string) => void): TemplateResult | undefined;
  tileMenu(peer: Peer, mute: (id: string) => void, kick: (id: string) => void): TemplateResult;
  lockButton(locked: boolean, lock: (locked: boolean) => void): TemplateResult;
  lobby(hostPresent: boolean): TemplateResult;
}

const CSS = `
  .knocks { display: grid; gap: 6px; justify-items: center; }
  .knock {
    display: flex; align-items: center; gap: 10px; padding: 6px 6px 6px 14px;
    border-radius: 999px; background: var(--_tile);
  }
  .knock button, .tile-menu button {
    width: auto; height: 32px; padding: 0 14px; border-radius: 999px; font-size: 0.9em;
  }
  .knock .admit { background: var(--_accent); color: #fff; }
  .tile-menu { position: absolute; top: 8px; right: 8px; display: flex; gap: 6px; }
  .tile-menu button { height: 28px; padding: 0 10px; background: rgb(0 0 0 / 0.55); }
  .tile-menu .kick:hover { background: var(--_danger); }
  button.lock[aria-pressed='true'] { background: var(--_fg); color: var(--_bg); }
  .lobby { margin: auto; max-width: 32em; padding: 16px; text-align: center; font-size: 1.1em; }
  .lobby small { display: block; margin-top: 6px; color: var(--_muted-fg); font-size: 0.85em; }
`;

const LOCK =
  'M17 8h-1V6a4 4 0 0 0-8 0v2H7a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V10a2 2 0 0 0-2-2Zm-7-2a2 2 0 0 1 4 ' +
  '0v2h-4V6Zm2 11a2 2 0 1 1 0-4 2 2 0 0 1 0 4Z';

export function hostLobbyView({ html, locale, fill }: ViewContext): HostLobbyView {
  const styles = new CSSStyleSheet();
  styles.replaceSync(CSS);
  const words = () => locale()?.host ?? english;
  /** A host string about one peer, by its name (or the word for a guest). */
  const about = (template: string, peer: Peer) => fill(template, { name: peer.name || words().guest });
  return {
    styles,
    knocks: (peers, admit, deny) => {
      const t = words();
      return peers.length === 0
        ? undefined
        : html`<div part="knocks" class="knocks" role="group" aria-label=${t.waitingToJoin}>
            ${peers.map(
              (peer) =>
                html`<div part="knock" class="knock">
                  <span>${about(t.wantsToJoin, peer)}</span>
                  <button
                    part="button admit-button"
                    class="admit"
                    aria-label=${about(t.admitNamed, peer)}
                    @click=${() => admit(peer.id)}
                  >
                    ${t.admit}
                  </button>
                  <button
                    part="button deny-button"
                    aria-label=${about(t.denyNamed, peer)}
                    @click=${() => deny(peer.id)}
                  >
                    ${t.deny}
                  </button>
                </div>`,
            )}
          </div>`;
    },
    tileMenu: (peer, mute, kick) => {
      const t = words();
      return html`<div part="tile-menu" class="tile-menu" role="group" aria-label=${about(t.controlsFor, peer)}>
        <button part="button mute-peer-button" aria-label=${about(t.muteNamed, peer)} @click=${() => mute(peer.id)}>
          ${t.mute}
        </button>
        <button
          part="button kick-button"
          class="kick"
          aria-label=${about(t.removeNamed, peer)}
          @click=${() => kick(peer.id)}
        >
          ${t.remove}
        </button>
      </div>`;
    },
    lockButton: (locked, lock) => {
      const t = words();
      return html`<button
        part="button lock-button"
        class="lock"
        aria-pressed=${String(locked)}
        aria-label=${t.lock}
        title=${locked ? t.unlockHint : t.lockHint}
        @click=${() => lock(!locked)}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d=${LOCK} /></svg>
      </button>`;
    },
    lobby: (hostPresent) => {
      const t = words();
      return html`<div part="lobby" class="lobby">
        <p>${hostPresent ? t.hostHere : t.noHost}</p>
        <small>${t.stay}</small>
      </div>`;
    },
  };
}
