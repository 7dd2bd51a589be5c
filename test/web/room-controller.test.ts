/**
 * The room controller: what the element holds and fires for each 1.1
 * message (lobby, knock, knock-ended, muted, room-locked, welcome's role and
 * lock), on a bare EventTarget standing in for the element.
 */
import { describe, expect, it } from 'vitest';
import type { WelcomeMessage } from '../../protocol/signaling.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { RoomController } from '../../web/controllers/room-controller.js';

const HOST = { id: 'peer-h', name: 'Hana', role: 'host' as const };
const GUEST = { id: 'peer-g', name: 'Gus', role: 'guest' as const };

function welcome(fields: Partial<WelcomeMessage> = {}): WelcomeMessage {
  return {
    type: 'welcome',
    v: PROTOCOL_VERSION,
    id: 'peer-a',
    room: 'standup',
    peers: [],
    iceServers: [],
    ttl: 600,
    resume: 'r',
    resumed: false,
    ...fields,
  };
}

function setup() {
  const element = Object.assign(new EventTarget(), { requestUpdate: () => undefined });
  const events: Array<[string, unknown]> = [];
  for (const name of ['vc-lobby', 'vc-knock', 'vc-knock-ended', 'vc-muted', 'vc-locked']) {
    element.addEventListener(name, (event) => events.push([name, (event as CustomEvent).detail]));
  }
  const mic = { on: true, setMicrophone: (on: boolean) => (mic.on = on) };
  let toldMuted = 0;
  const room = new RoomController(element, mic, () => (toldMuted += 1));
  return { element, room, events, mic, toldMuted: () => toldMuted };
}

describe('the room controller', () => {
  it('is a guest in an unlocked room until a welcome says otherwise', () => {
    const { room } = setup();
    expect([room.role, room.locked, room.needsView]).toEqual(['guest', false, false]);
    room.welcome(welcome({ role: 'host', locked: true }));
    expect([room.role, room.locked, room.needsView]).toEqual(['host', true, true]);
  });

  it('reads a 1.0 welcome (no role, no lock) as an unlocked guest', () => {
    const { room } = setup();
    room.welcome(welcome());
    expect([room.role, room.locked]).toEqual(['guest', false]);
  });

  it('holds and fires the lobby, and wants the lobby screen while there', () => {
    const { room, events } = setup();
    room.lobby(false);
    room.lobby(true);
    expect(room.hostPresent).toBe(true);
    expect(room.needsView).toBe(true);
    expect(events).toEqual([
      ['vc-lobby', { hostPresent: false }],
      ['vc-lobby', { hostPresent: true }],
    ]);
    room.welcome(welcome());
    expect(room.hostPresent).toBeUndefined();
    expect(room.needsView).toBe(false);
  });

  it('keeps knocks in order, fires each guest once, and drops one whose knock ended', () => {
    const { room, events } = setup();
    room.knock(GUEST);
    room.knock({ ...GUEST, id: 'peer-k', name: 'Kim' });
    room.knock(GUEST);
    expect([...room.knocks.keys()]).toEqual(['peer-g', 'peer-k']);
    room.knockEnded('peer-g', 'denied');
    expect([...room.knocks.keys()]).toEqual(['peer-k']);
    expect(events).toEqual([
      ['vc-knock', { peer: GUEST }],
      ['vc-knock', { peer: { ...GUEST, id: 'peer-k', name: 'Kim' } }],
      ['vc-knock-ended', { id: 'peer-g', outcome: 'denied' }],
    ]);
  });

  it('keeps knocks across a welcome that kept its id, and forgets them with a new id', () => {
    const { room } = setup();
    room.knock(GUEST);
    room.welcome(welcome({ role: 'host', resumed: true }));
    expect(room.knocks.size).toBe(1);
    room.welcome(welcome({ role: 'host', resumed: false }));
    expect(room.knocks.size).toBe(0);
  });

  it('turns the microphone off before vc-muted is heard, tells the element, and says who did it', () => {
    const { element, room, mic, toldMuted } = setup();
    let micWhenHeard: boolean | undefined;
    element.addEventListener('vc-muted', () => (micWhenHeard = mic.on));
    room.muted(HOST);
    expect(micWhenHeard).toBe(false);
    expect(toldMuted()).toBe(1);
    expect(room.mutedBy).toEqual(HOST);
    room.unmuted();
    expect(room.mutedBy).toBeUndefined();
  });

  it('holds and fires the lock', () => {
    const { room, events } = setup();
    room.roomLocked(true, HOST);
    expect(room.locked).toBe(true);
    room.roomLocked(false, HOST);
    expect(room.locked).toBe(false);
    expect(events).toEqual([
      ['vc-locked', { locked: true, by: HOST }],
      ['vc-locked', { locked: false, by: HOST }],
    ]);
  });

  it('forgets everything of the room on reset', () => {
    const { room } = setup();
    room.welcome(welcome({ role: 'host', locked: true }));
    room.knock(GUEST);
    room.muted(HOST);
    room.reset();
    expect([room.role, room.locked, room.knocks.size, room.mutedBy, room.hostPresent]).toEqual([
      'guest',
      false,
      0,
      undefined,
      undefined,
    ]);
  });
});
