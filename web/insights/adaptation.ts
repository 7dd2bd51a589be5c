/**
 * Bandwidth adaptation in the mesh: what this side's camera (and screen)
 * sender to one peer may use. Every peer gets its own encoding, and the
 * uplink and the CPU carry all of them, so the ceiling falls with the number
 * of peers (the table below; a 6-peer mesh must fit on 2 cores). Under it, a
 * budget follows the connection: it drops when the link loses packets or the
 * encoder is starved below the estimate, and climbs back stepwise while the
 * estimate shows room. Audio is never capped here: the ceiling is for video,
 * and the audio sender only gets a high priority.
 */
import type { Metrics } from './quality.js';

export interface Ceiling {
  maxBitrate: number;
  /** The video height aimed at; the sender scales its source down to it. */
  height: number;
  maxFramerate: number;
}

/** By the number of remote peers: 1, 2, 3, 4, 5 or more. */
export const CEILINGS: readonly Ceiling[] = [
  { maxBitrate: 1_500_000, height: 720, maxFramerate: 30 },
  { maxBitrate: 900_000, height: 540, maxFramerate: 30 },
  { maxBitrate: 600_000, height: 360, maxFramerate: 24 },
  { maxBitrate: 400_000, height: 270, maxFramerate: 20 },
  { maxBitrate: 250_000, height: 180, maxFramerate: 15 },
];

export function ceiling(peers: number): Ceiling {
  return CEILINGS[Math.min(Math.max(peers, 1), CEILINGS.length) - 1] as Ceiling;
}

/** Below this a camera picture is not worth sending; the budget never goes lower. */
export const FLOOR_BPS = 60_000;
/** What the audio of one connection takes, with its overhead, out of the estimate. */
export const AUDIO_BPS = 50_000;
/** Loss at which the budget steps down, and below which it may step up. */
export const LOSS_DOWN = 0.05;
export const LOSS_UP = 0.02;
export const STEP_DOWN = 0.7;
export const STEP_UP = 1.5;
/** Between two loss steps down (the loss window still holds the old loss), and before a step up. */
export const DOWN_HOLD_MS = 3_000;
export const UP_HOLD_MS = 2_000;

/** The video budget of one sender to one peer, in bits per second. */
export class Budget {
  bps: number;
  private changedAt = -Infinity;

  constructor(peers: number) {
    this.bps = ceiling(peers).maxBitrate;
  }

  /** One step, after each new window of measures; returns the budget. */
  update(peers: number, m: Metrics, now: number): number {
    const top = ceiling(peers).maxBitrate;
    const room = m.availableOutgoingBitrate === null ? null : m.availableOutgoingBitrate - AUDIO_BPS;
    const since = now - this.changedAt;
    let next = Math.min(this.bps, top);
    if (m.loss !== null && m.loss >= LOSS_DOWN) {
      if (since >= DOWN_HOLD_MS) next = next * STEP_DOWN;
    } else if (room !== null && m.limitation === 'bandwidth' && room < next * STEP_DOWN) {
      // The encoder wants more than the estimate gives: follow the estimate, so the resolution follows too.
      next = room;
    } else if ((m.loss ?? 0) < LOSS_UP && (room === null || room >= next * 1.1) && since >= UP_HOLD_MS) {
      next = next * STEP_UP;
    }
    next = Math.round(Math.min(top, Math.max(FLOOR_BPS, next)));
    if (next !== this.bps) this.changedAt = now;
    this.bps = next;
    return next;
  }
}

/** What setParameters() is given for a video sender's one encoding. */
export interface Encoding {
  maxBitrate: number;
  scaleResolutionDownBy: number;
  maxFramerate: number;
}

/** The encoding a camera sender gets: its budget, and a size and frame rate that budget can carry. */
export function cameraEncoding(peers: number, bps: number, sourceHeight: number): Encoding {
  const top = ceiling(peers);
  const height = Math.min(top.height, heightFor(bps));
  const scale = Math.max(1, Math.round((sourceHeight / height) * 100) / 100);
  return {
    maxBitrate: bps,
    scaleResolutionDownBy: scale,
    maxFramerate: bps < 150_000 ? Math.min(top.maxFramerate, 15) : top.maxFramerate,
  };
}

/** A screen keeps its full size to stay readable; a thin budget lowers its frame rate instead. */
export function screenEncoding(bps: number): Encoding {
  return {
    maxBitrate: Math.max(bps, SCREEN_FLOOR_BPS),
    scaleResolutionDownBy: 1,
    maxFramerate: bps >= 500_000 ? 15 : bps >= 200_000 ? 8 : 4,
  };
}

/** Text on a screen needs more bits than a face; a screen gets at least this. */
export const SCREEN_FLOOR_BPS = 300_000;

/** The tallest picture a budget carries well (VP8 at a usual frame rate). */
export function heightFor(bps: number): number {
  return bps >= 1_000_000
    ? 720
    : bps >= 600_000
      ? 540
      : bps >= 350_000
        ? 360
        : bps >= 200_000
          ? 270
          : bps >= 120_000
            ? 180
            : 120;
}
