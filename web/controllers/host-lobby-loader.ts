/**
 * Loads the host tools and the lobby screen (web/views/host-lobby.ts, a
 * chunk of its own) on first need. The dynamic import is relative, so it
 * resolves against the element's own module URL: the chunk comes from the
 * element's server, whatever page and origin embed it.
 */
import { html, type ReactiveControllerHost } from 'lit';
import type { HostLobbyView } from '../views/host-lobby.js';

type Host = ReactiveControllerHost & { readonly renderRoot: HTMLElement | DocumentFragment };

export class HostLobbyLoader {
  view: HostLobbyView | undefined;
  private loading = false;
  /** Set after a failed load, so that every render does not try again; a new join clears it. */
  private failed = false;

  constructor(
    private readonly host: Host,
    private readonly onError: (message: string) => void,
  ) {}

  load(): void {
    if (this.view !== undefined || this.loading || this.failed) return;
    this.loading = true;
    void import('../views/host-lobby.js').then(
      ({ hostLobbyView }) => {
        this.loading = false;
        const view = hostLobbyView({ html });
        const root = this.host.renderRoot;
        if (root instanceof ShadowRoot) root.adoptedStyleSheets = [...root.adoptedStyleSheets, view.styles];
        this.view = view;
        this.host.requestUpdate();
      },
      (error: unknown) => {
        this.loading = false;
        this.failed = true;
        this.onError(`the host and lobby controls could not be loaded: ${String(error)}`);
      },
    );
  }

  /** A new join may try again after a failed load: the server may be reachable by now. */
  retry(): void {
    this.failed = false;
  }
}
