/**
 * Loads one lazy chunk of the element (a view, a locale) on first need. The
 * importer is a relative dynamic import, so it resolves against the element's
 * own module URL: the chunk comes from the element's server, whatever page
 * and origin embed it. Chunks import nothing at run time (Lit's `html` and
 * anything else they need is handed to them), so that no page ever gets a
 * second copy of the element.
 *
 * `value` is set once loaded, and the host re-renders. A failed load is
 * reported once and not tried again on every render; retry() (a new join)
 * allows one more try, since the server may be reachable by then.
 */
import type { ReactiveControllerHost } from 'lit';

type Host = ReactiveControllerHost & { readonly renderRoot: HTMLElement | DocumentFragment };

/** A chunk may bring styles: they are adopted into the element's shadow root beside its own. */
export interface Chunk {
  styles?: CSSStyleSheet;
}

export class ChunkLoader<T extends object> {
  value: T | undefined;
  /** The load in flight, or the last one's outcome until retry(). */
  private pending: Promise<T | undefined> | undefined;

  constructor(
    private readonly host: Host,
    private readonly importer: () => Promise<T>,
    /** Told once per failed load, in words that name what could not be loaded. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Loads once (again after retry(), if that load failed); resolves with the chunk, or undefined if it failed. */
  load(): Promise<T | undefined> {
    this.pending ??= this.importer().then(
      (value) => {
        const root = this.host.renderRoot;
        const { styles } = value as Chunk;
        if (styles && root instanceof ShadowRoot) root.adoptedStyleSheets = [...root.adoptedStyleSheets, styles];
        this.value = value;
        this.host.requestUpdate();
        return value;
      },
      (error: unknown) => {
        this.onError(error);
        return undefined;
      },
    );
    return this.pending;
  }

  /** After a failed load, the next load() tries again. */
  retry(): void {
    if (this.value === undefined) this.pending = undefined;
  }
}
