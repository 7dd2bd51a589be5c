/**
 * How the tiles share the stage: pure, so it is unit tested without a browser.
 */

/** Tiles are 16:9; a video of another shape is cropped to fill its tile (a screen share is letterboxed). */
const ASPECT = 16 / 9;

export interface Grid {
  columns: number;
  /** Each tile's width in CSS pixels. */
  tile: number;
}

/**
 * The column count that gives `count` tiles the largest size within a stage of `width` × `height`, with `gap`
 * between them: on a wide desktop window 8 tiles go 4 or 3 across, on a phone held upright 2 across, and 2
 * tiles side by side on one and stacked on the other.
 */
export function fitGrid(count: number, width: number, height: number, gap: number): Grid {
  let best: Grid = { columns: 1, tile: 0 };
  for (let columns = 1; columns <= Math.max(count, 1); columns++) {
    const rows = Math.ceil(count / columns);
    const tile = Math.min((width - gap * (columns - 1)) / columns, ((height - gap * (rows - 1)) / rows) * ASPECT);
    if (tile > best.tile) best = { columns, tile };
  }
  return { columns: best.columns, tile: Math.max(0, Math.floor(best.tile)) };
}
