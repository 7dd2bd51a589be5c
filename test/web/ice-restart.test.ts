/**
 * The ICE-restart policy, branch by branch on a fake clock (the pure
 * decideIceRestart takes `now`; IceRestarts runs on vitest's fake timers).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  decideIceRestart,
  DISCONNECTED_GRACE_MS,
  IceRestarts,
  POLITE_RESTART_DELAY_MS,
  RESTART_INTERVAL_MS,
  type ConnectionState,
  type RestartState,
} from '../../web/controllers/peer/ice-restart.js';

const NOW = 1_000_000;
const impolite: RestartState = { polite: false, lastRestart: undefined };
const polite: RestartState = { polite: true, lastRestart: undefined };
const restartedAgo = (ms: number, base: RestartState = impolite): RestartState => ({ ...base, lastRestart: NOW - ms });

describe('decideIceRestart on a connection state change', () => {
  it('waits out the disconnected grace before the impolite side restarts', () => {
    expect(decideIceRestart(impolite, { type: 'state', state: 'disconnected' }, NOW)).toEqual({
      action: 'wait',
      until: NOW + DISCONNECTED_GRACE_MS,
    });
  });

  it('restarts a failed connection on the impolite side without a grace period', () => {
    expect(decideIceRestart(impolite, { type: 'state', state: 'failed' }, NOW)).toEqual({ action: 'wait', until: NOW });
  });

  it('makes the polite side wait longer than the impolite one, for disconnected and failed alike', () => {
    expect(decideIceRestart(polite, { type: 'state', state: 'disconnected' }, NOW)).toEqual({
      action: 'wait',
      until: NOW + DISCONNECTED_GRACE_MS + POLITE_RESTART_DELAY_MS,
    });
    expect(decideIceRestart(polite, { type: 'state', state: 'failed' }, NOW)).toEqual({
      action: 'wait',
      until: NOW + POLITE_RESTART_DELAY_MS,
    });
  });

  it.each<ConnectionState>(['new', 'connecting', 'connected', 'closed'])('cancels a pending restart on %s', (state) => {
    expect(decideIceRestart(impolite, { type: 'state', state }, NOW)).toEqual({ action: 'cancel' });
    expect(decideIceRestart(polite, { type: 'state', state }, NOW)).toEqual({ action: 'cancel' });
  });
});

describe('decideIceRestart when a restart is due', () => {
  it('restarts when there was no restart before', () => {
    expect(decideIceRestart(impolite, { type: 'due' }, NOW)).toEqual({ action: 'restart' });
  });

  it('skips a restart that would come within the restart interval of the last one', () => {
    expect(decideIceRestart(restartedAgo(RESTART_INTERVAL_MS - 1), { type: 'due' }, NOW)).toEqual({
      action: 'skip',
      reason: 'too-soon',
    });
  });

  it('restarts again once the interval has passed', () => {
    expect(decideIceRestart(restartedAgo(RESTART_INTERVAL_MS), { type: 'due' }, NOW)).toEqual({ action: 'restart' });
  });
});

describe('decideIceRestart when credentials are about to lapse', () => {
  const expiring = { type: 'expiring', relayed: true, state: 'connected' } as const;

  it('restarts a relayed, connected link on the impolite side', () => {
    expect(decideIceRestart(impolite, expiring, NOW)).toEqual({ action: 'restart' });
  });

  it('leaves it to the impolite side', () => {
    expect(decideIceRestart(polite, expiring, NOW)).toEqual({ action: 'skip', reason: 'polite' });
  });

  it('does not restart a link that does not go through a relay', () => {
    expect(decideIceRestart(impolite, { ...expiring, relayed: false }, NOW)).toEqual({
      action: 'skip',
      reason: 'not-relayed',
    });
  });

  it('does not restart a link that is not connected (its own restart is on the way)', () => {
    expect(decideIceRestart(impolite, { ...expiring, state: 'disconnected' }, NOW)).toEqual({
      action: 'skip',
      reason: 'not-connected',
    });
  });

  it('respects the restart interval', () => {
    expect(decideIceRestart(restartedAgo(RESTART_INTERVAL_MS - 1), expiring, NOW)).toEqual({
      action: 'skip',
      reason: 'too-soon',
    });
    expect(decideIceRestart(restartedAgo(RESTART_INTERVAL_MS), expiring, NOW)).toEqual({ action: 'restart' });
  });
});

describe('IceRestarts, the policy with its timer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls onDue when the disconnected grace runs out, not before', () => {
    const onDue = vi.fn();
    const restarts = new IceRestarts(false, onDue);
    restarts.connectionChanged('disconnected');
    vi.advanceTimersByTime(DISCONNECTED_GRACE_MS - 1);
    expect(onDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDue).toHaveBeenCalledOnce();
  });

  it('drops the pending restart when the connection recovers', () => {
    const onDue = vi.fn();
    const restarts = new IceRestarts(false, onDue);
    restarts.connectionChanged('disconnected');
    vi.advanceTimersByTime(DISCONNECTED_GRACE_MS - 1);
    restarts.connectionChanged('connected');
    vi.advanceTimersByTime(60_000);
    expect(onDue).not.toHaveBeenCalled();
  });

  it('replaces the disconnected wait with the shorter one when the connection fails', () => {
    const onDue = vi.fn();
    const restarts = new IceRestarts(false, onDue);
    restarts.connectionChanged('disconnected');
    vi.advanceTimersByTime(1_000);
    restarts.connectionChanged('failed');
    vi.advanceTimersByTime(0);
    expect(onDue).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(60_000);
    expect(onDue).toHaveBeenCalledOnce();
  });

  it('counts a restart it allows, and refuses the next one until the interval has passed', () => {
    const restarts = new IceRestarts(false, () => undefined);
    expect(restarts.take({ type: 'due' })).toBe(true);
    vi.advanceTimersByTime(RESTART_INTERVAL_MS - 1);
    expect(restarts.take({ type: 'due' })).toBe(false);
    expect(restarts.take({ type: 'expiring', relayed: true, state: 'connected' })).toBe(false);
    vi.advanceTimersByTime(1);
    expect(restarts.take({ type: 'expiring', relayed: true, state: 'connected' })).toBe(true);
    expect(restarts.take({ type: 'due' })).toBe(false);
  });

  it('does not count a refused restart', () => {
    const restarts = new IceRestarts(true, () => undefined);
    expect(restarts.take({ type: 'expiring', relayed: true, state: 'connected' })).toBe(false);
    expect(restarts.take({ type: 'due' })).toBe(true);
  });

  it('fires nothing after stop()', () => {
    const onDue = vi.fn();
    const restarts = new IceRestarts(true, onDue);
    restarts.connectionChanged('failed');
    restarts.stop();
    vi.advanceTimersByTime(60_000);
    expect(onDue).not.toHaveBeenCalled();
  });
});
