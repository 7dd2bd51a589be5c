/**
 * When a peer connection restarts ICE. Both sides see a connection fail; if
 * both restarted at once their offers would collide, and Chrome can lose the
 * remote video when the polite side rolls back a restart offer. So the
 * impolite side restarts, and the polite side only if nothing happened after
 * a while. `disconnected` often heals by itself, so it gets a grace period
 * first; restarts are spaced apart; a connection that recovers (or closes)
 * cancels the one that was waiting.
 *
 * decideIceRestart is the policy, a pure function of its inputs (tested on a
 * fake clock); IceRestarts keeps its state and timer for one connection.
 * DOM-free, so it runs in node.
 */

/** RTCPeerConnectionState. */
export type ConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** How long `disconnected` may last before an ICE restart (it often heals itself). */
export const DISCONNECTED_GRACE_MS = 4_000;
/** How much longer the polite side waits before restarting ICE itself. */
export const POLITE_RESTART_DELAY_MS = 8_000;
/** ICE restarts are spaced at least this far apart. */
export const RESTART_INTERVAL_MS = 5_000;

export interface RestartState {
  polite: boolean;
  /** When this side last restarted ICE, on the policy's clock; undefined before the first. */
  lastRestart: number | undefined;
}

export type RestartEvent =
  /** The connection state changed. */
  | { type: 'state'; state: ConnectionState }
  /** A wait ran out, or a restart was asked for. */
  | { type: 'due' }
  /**
   * Fresh servers replace credentials about to lapse. A relayed connection
   * must restart while its old allocation still works, since a relay will not
   * refresh an allocation whose credentials have expired.
   */
  | { type: 'expiring'; relayed: boolean; state: ConnectionState };

export type RestartDecision =
  | { action: 'restart' }
  /** Send `due` at `until` (replaces any earlier wait). */
  | { action: 'wait'; until: number }
  /** Drop any pending wait. */
  | { action: 'cancel' }
  | { action: 'skip'; reason: 'too-soon' | 'polite' | 'not-relayed' | 'not-connected' };

export function decideIceRestart(state: RestartState, event: RestartEvent, now: number): RestartDecision {
  switch (event.type) {
    case 'state': {
      if (event.state !== 'failed' && event.state !== 'disconnected') return { action: 'cancel' };
      const grace = event.state === 'failed' ? 0 : DISCONNECTED_GRACE_MS;
      return { action: 'wait', until: now + grace + (state.polite ? POLITE_RESTART_DELAY_MS : 0) };
    }
    case 'due':
      return tooSoon(state, now) ? { action: 'skip', reason: 'too-soon' } : { action: 'restart' };
    case 'expiring':
      // The impolite side restarts, so the two sides' restarts never collide; the polite
      // side's fresh servers serve the candidates it gathers in answer.
      if (state.polite) return { action: 'skip', reason: 'polite' };
      if (!event.relayed) return { action: 'skip', reason: 'not-relayed' };
      if (event.state !== 'connected') return { action: 'skip', reason: 'not-connected' };
      return tooSoon(state, now) ? { action: 'skip', reason: 'too-soon' } : { action: 'restart' };
  }
}

function tooSoon(state: RestartState, now: number): boolean {
  return state.lastRestart !== undefined && now - state.lastRestart < RESTART_INTERVAL_MS;
}

/** The policy's state and timer for one connection; `onDue` runs when a wait runs out. */
export class IceRestarts {
  private readonly state: RestartState;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    polite: boolean,
    private readonly onDue: () => void,
  ) {
    this.state = { polite, lastRestart: undefined };
  }

  connectionChanged(state: ConnectionState): void {
    const now = Date.now();
    const decision = decideIceRestart(this.state, { type: 'state', state }, now);
    clearTimeout(this.timer);
    this.timer = decision.action === 'wait' ? setTimeout(this.onDue, decision.until - now) : undefined;
  }

  /** Whether ICE restarts now for `event`; a yes counts as the restart. */
  take(event: Extract<RestartEvent, { type: 'due' | 'expiring' }>): boolean {
    const now = Date.now();
    if (decideIceRestart(this.state, event, now).action !== 'restart') return false;
    this.state.lastRestart = now;
    return true;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
