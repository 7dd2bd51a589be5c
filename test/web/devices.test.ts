/**
 * The pre-join screen's pure parts (web/devices/): the pickers' lists from
 * enumerateDevices(), the meter's level from an AnalyserNode's bytes, and the
 * display name remembered per origin.
 */
import { describe, expect, it } from 'vitest';
import { deviceOptions, keepChoice, listsDiffer, type DeviceInfo } from '../../web/devices/device-lists.js';
import { FALL, levelOf, smooth } from '../../web/devices/level.js';
import { statusText } from '../../web/labels.js';
import { core } from '../../web/strings/en-core.js';
import { NAME_KEY, recallName, rememberName, type NameStore } from '../../web/devices/name-memory.js';

const device = (kind: string, deviceId: string, label = ''): DeviceInfo => ({ kind, deviceId, label });

describe('deviceOptions', () => {
  it('lists the devices of one kind in order, naming the unlabelled ones by their place', () => {
    const all = [
      device('videoinput', 'cam-a', 'Front camera'),
      device('audioinput', 'mic-a', 'Headset'),
      device('videoinput', 'cam-b'),
      device('audiooutput', 'out-a', '  '),
    ];
    expect(deviceOptions(all, 'videoinput', 'Camera {n}')).toEqual([
      { id: 'cam-a', label: 'Front camera' },
      { id: 'cam-b', label: 'Camera 2' },
    ]);
    expect(deviceOptions(all, 'audiooutput', 'Speaker {n}')).toEqual([{ id: 'out-a', label: 'Speaker 1' }]);
  });

  it('drops the placeholders a browser lists before permission (an empty id)', () => {
    const all = [device('videoinput', ''), device('audioinput', '')];
    expect(deviceOptions(all, 'videoinput', 'Camera {n}')).toEqual([]);
    expect(deviceOptions(all, 'audioinput', 'Microphone {n}')).toEqual([]);
  });
});

describe('keepChoice', () => {
  const options = [
    { id: 'a', label: 'A' },
    { id: 'b', label: 'B' },
  ];
  it('keeps a choice that is still listed', () => expect(keepChoice(options, 'b')).toBe('b'));
  it('falls back to the first device when the chosen one is gone', () => expect(keepChoice(options, 'gone')).toBe('a'));
  it('falls back to the first device without a choice', () => expect(keepChoice(options, undefined)).toBe('a'));
  it('has no choice without devices', () => expect(keepChoice([], 'a')).toBeUndefined());
});

describe('listsDiffer', () => {
  const one = [{ id: 'a', label: 'A' }];
  it('is false for the same devices', () => expect(listsDiffer(one, [{ id: 'a', label: 'A' }])).toBe(false));
  it('sees a device come or go', () => {
    expect(listsDiffer(one, [])).toBe(true);
    expect(listsDiffer([], one)).toBe(true);
  });
  it('sees another device in the same place, or a new label', () => {
    expect(listsDiffer(one, [{ id: 'b', label: 'A' }])).toBe(true);
    expect(listsDiffer(one, [{ id: 'a', label: 'A (USB)' }])).toBe(true);
  });
});

describe('levelOf', () => {
  it('is 0 for silence (every byte 128) and for no samples', () => {
    expect(levelOf(new Uint8Array(512).fill(128))).toBe(0);
    expect(levelOf([])).toBe(0);
  });

  it('is 1 for a full-scale square wave', () => {
    const full = Uint8Array.from({ length: 512 }, (_, i) => (i % 2 === 0 ? 0 : 255));
    expect(levelOf(full)).toBeCloseTo(1, 1);
  });

  it('grows with the loudness, on a square-root scale of the RMS', () => {
    const sine = (amplitude: number) =>
      Uint8Array.from({ length: 1024 }, (_, i) => Math.round(128 + amplitude * 127 * Math.sin((2 * Math.PI * i) / 64)));
    const quiet = levelOf(sine(0.05));
    const loud = levelOf(sine(0.5));
    expect(quiet).toBeGreaterThan(0);
    expect(loud).toBeGreaterThan(quiet);
    // RMS of a sine is amplitude / √2; the level is its square root.
    expect(loud).toBeCloseTo(Math.sqrt((0.5 * 127) / 128 / Math.SQRT2), 1);
    expect(loud).toBeLessThanOrEqual(1);
  });
});

describe('smooth', () => {
  it('rises at once to a louder level', () => expect(smooth(0.1, 0.8)).toBe(0.8));
  it('falls by FALL of the gap to a quieter one', () => expect(smooth(0.8, 0)).toBeCloseTo(0.8 * (1 - FALL)));
  it('settles on silence without overshooting', () => {
    let shown = 1;
    for (let i = 0; i < 200; i++) shown = smooth(shown, 0);
    expect(shown).toBeGreaterThanOrEqual(0);
    expect(shown).toBeLessThan(0.001);
  });
});

/** A Storage stand-in over a Map; `refuse` makes every call throw, as a sandboxed iframe's storage does. */
function store(refuse = false): NameStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  const check = () => {
    if (refuse) throw new Error('SecurityError');
  };
  return {
    map,
    getItem: (key) => (check(), map.get(key) ?? null),
    setItem: (key, value) => (check(), void map.set(key, value)),
    removeItem: (key) => (check(), void map.delete(key)),
  };
}

describe('the remembered name', () => {
  it('is stored trimmed under vc-name, which the /r/ page reads', () => {
    const s = store();
    rememberName(s, '  Ada  ');
    expect(s.map.get(NAME_KEY)).toBe('Ada');
    expect(NAME_KEY).toBe('vc-name');
    expect(recallName(s)).toBe('Ada');
  });

  it('is forgotten when the name is emptied', () => {
    const s = store();
    rememberName(s, 'Ada');
    rememberName(s, '   ');
    expect(s.map.has(NAME_KEY)).toBe(false);
    expect(recallName(s)).toBe('');
  });

  it('is simply not remembered when storage is missing or refuses', () => {
    expect(recallName(undefined)).toBe('');
    expect(() => rememberName(undefined, 'Ada')).not.toThrow();
    const refusing = store(true);
    expect(() => rememberName(refusing, 'Ada')).not.toThrow();
    expect(recallName(refusing)).toBe('');
  });
});

describe('the status line on the pre-join screen', () => {
  it('has words of its own', () => expect(statusText('prejoin', 'standup', undefined, core)).toBe(core.prejoin));
});
