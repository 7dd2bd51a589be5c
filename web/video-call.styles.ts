import { css } from 'lit';

export const styles = css`
  :host {
    --_bg: var(--video-call-background, #0f1115);
    --_fg: var(--video-call-foreground, #f2f4f8);
    --_muted-fg: var(--video-call-muted-foreground, #a3acbb);
    --_tile: var(--video-call-tile-background, #1b1f27);
    --_accent: var(--video-call-accent, #3b82f6);
    --_danger: var(--video-call-danger, #e5484d);
    --_radius: var(--video-call-radius, 14px);
    --_gap: var(--video-call-gap, 10px);
    display: block;
    position: relative;
    min-height: 320px;
    background: var(--_bg);
    color: var(--_fg);
    font: var(--video-call-font, 500 14px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    border-radius: var(--_radius);
    overflow: hidden;
    container-type: inline-size;
  }
  :host([hidden]) {
    display: none;
  }
  .call {
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: inherit;
    box-sizing: border-box;
    padding: var(--_gap);
    gap: var(--_gap);
  }
  /* The stage is a size container, so the grid can fit its tiles into both its width and its height. */
  .stage {
    flex: 1;
    min-height: 0;
    container-type: size;
    display: grid;
    place-items: center;
  }
  .grid {
    display: grid;
    gap: var(--_gap);
    grid-template-columns: repeat(var(--columns), var(--tile));
    justify-content: center;
  }
  .tile {
    position: relative;
    margin: 0;
    aspect-ratio: 16 / 9;
    background: var(--_tile);
    border-radius: calc(var(--_radius) - 4px);
    overflow: hidden;
  }
  /* Pinned: that tile fills the stage above a strip of the others. */
  .grid.pinned {
    width: 100cqw;
    height: 100cqh;
    grid-template-columns: repeat(auto-fill, minmax(96px, 160px));
    grid-template-rows: 1fr auto;
  }
  .pinned .tile:not(.pin) {
    height: 72px;
    aspect-ratio: auto;
  }
  .pinned .pin {
    grid-column: 1 / -1;
    order: -1;
    aspect-ratio: auto;
  }
  .pin video,
  .tile:fullscreen video {
    object-fit: contain;
  }
  .tools {
    position: absolute;
    top: 8px;
    left: 8px;
    display: flex;
    gap: 6px;
    opacity: 0;
  }
  .tile:hover .tools,
  .tools:focus-within,
  .tools [aria-pressed='true'] {
    opacity: 1;
  }
  .tools button {
    width: 32px;
    height: 32px;
    background: rgb(0 0 0 / 0.55);
  }
  .tools svg {
    width: 18px;
    height: 18px;
  }
  video {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
    background: var(--_tile);
  }
  .self video {
    transform: scaleX(-1);
  }
  .screen video {
    object-fit: contain;
  }
  .avatar {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    font-size: 2.4em;
    font-weight: 600;
    color: var(--_muted-fg);
    background: var(--_tile);
  }
  .label {
    position: absolute;
    left: 8px;
    bottom: 8px;
    display: flex;
    align-items: center;
    gap: 6px;
    max-width: calc(100% - 16px);
    padding: 3px 8px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.55);
    font-size: 0.85em;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .badge {
    padding: 0 6px;
    border-radius: 999px;
    background: rgb(255 255 255 / 0.16);
    font-size: 0.8em;
    text-transform: uppercase;
    letter-spacing: 0.03em;
  }
  .badge.relay {
    background: color-mix(in srgb, var(--_accent) 55%, transparent);
  }
  .label svg {
    width: 14px;
    height: 14px;
    fill: var(--_danger);
  }
  .status {
    text-align: center;
    color: var(--_muted-fg);
    min-height: 1.4em;
  }
  .status.failed {
    color: var(--_danger);
  }
  .notice {
    align-self: center;
    padding: 4px 14px;
    border-radius: 999px;
    background: color-mix(in srgb, var(--_danger) 30%, transparent);
  }
  .controls {
    display: flex;
    justify-content: center;
    gap: 12px;
    flex-wrap: wrap;
  }
  button {
    display: inline-grid;
    place-items: center;
    width: 48px;
    height: 48px;
    border: 0;
    border-radius: 50%;
    background: rgb(255 255 255 / 0.12);
    color: var(--_fg);
    cursor: pointer;
    font: inherit;
  }
  button svg {
    width: 22px;
    height: 22px;
    fill: currentColor;
  }
  button:hover {
    background: rgb(255 255 255 / 0.2);
  }
  button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  button.off {
    background: var(--_fg);
    color: var(--_bg);
  }
  button.leave {
    width: auto;
    padding: 0 20px;
    border-radius: 999px;
    background: var(--_danger);
    color: #fff;
    display: inline-flex;
    gap: 8px;
    align-items: center;
  }
  button.join {
    width: auto;
    padding: 0 24px;
    border-radius: 999px;
    background: var(--_accent);
    color: #fff;
  }
  .tap {
    position: absolute;
    inset: auto 50% 72px auto;
    transform: translateX(50%);
    width: auto;
    height: auto;
    padding: 10px 18px;
    border-radius: 999px;
    background: var(--_accent);
    color: #fff;
  }
  @container (max-width: 420px) {
    .controls {
      gap: 8px;
    }
    button {
      width: 42px;
      height: 42px;
    }
  }
`;
