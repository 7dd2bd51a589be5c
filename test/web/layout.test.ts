/**
 * The grid fit (web/layout.ts): the column count that makes 1–8 tiles largest on a desktop window and on a phone
 * held upright, with every tile inside the stage.
 */
import { describe, expect, it } from 'vitest';
import { fitGrid } from '../../web/layout.js';

const GAP = 10;
/** The stage of a 1280×800 window and of a 390×844 phone, less the status line, the controls and the padding. */
const DESKTOP = { width: 1260, height: 690 };
const PHONE = { width: 370, height: 730 };

function fits(count: number, stage: { width: number; height: number }) {
  const grid = fitGrid(count, stage.width, stage.height, GAP);
  const rows = Math.ceil(count / grid.columns);
  return {
    ...grid,
    rows,
    width: grid.columns * grid.tile + (grid.columns - 1) * GAP,
    height: rows * ((grid.tile * 9) / 16) + (rows - 1) * GAP,
  };
}

describe('fitGrid', () => {
  it('puts every count from 1 to 8 inside the stage, on a desktop and on a phone', () => {
    for (const stage of [DESKTOP, PHONE]) {
      for (let count = 1; count <= 8; count++) {
        const grid = fits(count, stage);
        expect(grid.width, `${count} tiles`).toBeLessThanOrEqual(stage.width);
        expect(grid.height, `${count} tiles`).toBeLessThanOrEqual(stage.height);
        expect(grid.columns * grid.rows).toBeGreaterThanOrEqual(count);
      }
    }
  });

  it('lays tiles side by side on a desktop and stacks them on a phone', () => {
    expect(fits(2, DESKTOP).columns).toBe(2);
    expect(fits(2, PHONE).columns).toBe(1);
    expect(fits(8, DESKTOP).columns).toBeGreaterThanOrEqual(3);
    expect(fits(8, PHONE).columns).toBe(2);
  });

  it('picks the largest tiles: no other column count gives a wider one that fits', () => {
    for (let count = 1; count <= 8; count++) {
      const best = fits(count, DESKTOP).tile;
      for (let columns = 1; columns <= count; columns++) {
        const rows = Math.ceil(count / columns);
        const width = Math.min(
          (DESKTOP.width - GAP * (columns - 1)) / columns,
          ((DESKTOP.height - GAP * (rows - 1)) / rows) * (16 / 9),
        );
        expect(Math.floor(width)).toBeLessThanOrEqual(best);
      }
    }
  });

  it('gives a one-tile stage to a single tile, and no negative size to a stage not yet measured', () => {
    expect(fits(1, DESKTOP)).toMatchObject({ columns: 1, tile: 1226 });
    expect(fitGrid(3, 0, 0, GAP).tile).toBe(0);
  });
});
