/**
 * Bandwidth adaptation (web/insights/adaptation.ts) on synthetic measures:
 * the ceiling by peer count, back-off on loss and on a starved encoder,
 * stepwise recovery, the picture a budget buys, and a screen that keeps its
 * size. Audio never appears here: no policy output is for an audio sender.
 */
import { describe, expect, it } from 'vitest';
import {
  Budget,
  cameraEncoding,
  ceiling,
  DOWN_HOLD_MS,
  FLOOR_BPS,
  screenEncoding,
  STEP_UP,
  UP_HOLD_MS,
} from '../../web/insights/adaptation.js';
import type { Metrics } from '../../web/insights/quality.js';

const clean: Metrics = { rtt: 0.03, loss: 0, jitter: 0.005, availableOutgoingBitrate: 5_000_000, limitation: 'none' };

describe('the ceiling by peer count', () => {
  it('falls as peers join, down to what a 6-peer mesh can carry', () => {
    const caps = [1, 2, 3, 4, 5, 7].map((peers) => ceiling(peers).maxBitrate);
    for (let i = 1; i < caps.length; i += 1) expect(caps[i]).toBeLessThanOrEqual(caps[i - 1] ?? 0);
    // Five encoders per page at most 250 kbit/s and 180p / 15 fps each.
    expect(ceiling(5)).toEqual({ maxBitrate: 250_000, height: 180, maxFramerate: 15 });
    expect(ceiling(7)).toEqual(ceiling(5));
    expect(ceiling(0)).toEqual(ceiling(1));
  });

  it('clamps a budget at once when the mesh grows', () => {
    const budget = new Budget(1);
    expect(budget.bps).toBe(ceiling(1).maxBitrate);
    expect(budget.update(5, clean, 0)).toBe(ceiling(5).maxBitrate);
  });

  it('lets a budget climb back stepwise when the mesh shrinks', () => {
    const budget = new Budget(5);
    const steps = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => budget.update(1, clean, i * UP_HOLD_MS));
    expect(steps[0]).toBe(Math.round(ceiling(5).maxBitrate * STEP_UP));
    for (let i = 1; i < steps.length; i += 1) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1] ?? 0);
    expect(steps.at(-1)).toBe(ceiling(1).maxBitrate);
  });
});

describe('the budget on a measured link', () => {
  it('steps down on loss, no faster than the loss window can show the last step', () => {
    const budget = new Budget(2);
    const lossy = { ...clean, loss: 0.1 };
    const first = budget.update(2, lossy, 0);
    expect(first).toBeLessThan(ceiling(2).maxBitrate);
    expect(budget.update(2, lossy, DOWN_HOLD_MS - 1)).toBe(first);
    expect(budget.update(2, lossy, DOWN_HOLD_MS)).toBeLessThan(first);
  });

  it('never goes below the floor', () => {
    const budget = new Budget(5);
    for (let i = 0; i < 50; i += 1)
      budget.update(5, { ...clean, loss: 0.5, availableOutgoingBitrate: 10_000 }, i * 5000);
    expect(budget.bps).toBe(FLOOR_BPS);
  });

  it('follows the estimate when the encoder is starved by bandwidth', () => {
    const budget = new Budget(1);
    const starved = { ...clean, availableOutgoingBitrate: 400_000, limitation: 'bandwidth' };
    expect(budget.update(1, starved, 0)).toBe(350_000);
  });

  it('does not follow a low estimate while the encoder is not starved (the estimate is still ramping)', () => {
    const budget = new Budget(1);
    expect(budget.update(1, { ...clean, availableOutgoingBitrate: 300_000 }, 0)).toBe(ceiling(1).maxBitrate);
  });

  it('climbs back while the estimate shows room and nothing is lost, and stops below the ceiling when it does not', () => {
    const budget = new Budget(3);
    budget.update(3, { ...clean, loss: 0.2 }, 0);
    const low = budget.bps;
    expect(budget.update(3, { ...clean, loss: 0.01 }, UP_HOLD_MS)).toBeGreaterThan(low);
    const tight = { ...clean, availableOutgoingBitrate: budget.bps + 60_000 };
    expect(budget.update(3, tight, 10 * UP_HOLD_MS)).toBe(budget.bps);
    expect(budget.update(3, { ...clean, loss: 0.03 }, 20 * UP_HOLD_MS)).toBe(budget.bps);
  });
});

describe('the encodings', () => {
  it('scales the camera down to the height its budget and the peer count allow', () => {
    expect(cameraEncoding(1, 1_500_000, 720)).toEqual({
      maxBitrate: 1_500_000,
      scaleResolutionDownBy: 1,
      maxFramerate: 30,
    });
    expect(cameraEncoding(5, 250_000, 720)).toEqual({
      maxBitrate: 250_000,
      scaleResolutionDownBy: 4,
      maxFramerate: 15,
    });
    // A thin budget lowers the picture below the peer count's.
    expect(cameraEncoding(2, 200_000, 720).scaleResolutionDownBy).toBeGreaterThan(
      cameraEncoding(2, 900_000, 720).scaleResolutionDownBy,
    );
    // A source smaller than the aim is never scaled up.
    expect(cameraEncoding(1, 1_500_000, 240).scaleResolutionDownBy).toBe(1);
  });

  it('keeps a screen at full size and lowers its frame rate first', () => {
    const rich = screenEncoding(1_000_000);
    const thin = screenEncoding(100_000);
    expect(rich.scaleResolutionDownBy).toBe(1);
    expect(thin.scaleResolutionDownBy).toBe(1);
    expect(thin.maxFramerate).toBeLessThan(rich.maxFramerate);
    expect(thin.maxBitrate).toBeGreaterThan(100_000);
  });
});
