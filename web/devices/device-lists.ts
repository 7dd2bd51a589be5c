/**
 * The pickers' lists, from what enumerateDevices() says. Before a
 * permission is granted the browser gives devices without labels (and
 * often one placeholder per kind with an empty id), so every entry gets a
 * name ("Camera 2" when it has none) and placeholders are dropped. The
 * picker keeps its choice while that device is still there, and falls back
 * to the first one when it is gone (unplugged: `devicechange`).
 * Structural types only, so this is unit tested in node without the DOM library.
 */

/** The part of a MediaDeviceInfo this reads. */
export interface DeviceInfo {
  readonly deviceId: string;
  readonly kind: string;
  readonly label: string;
}

export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';

export interface DeviceOption {
  id: string;
  label: string;
}

/**
 * The devices of one kind, in the browser's order, each with a name. `unnamed` is the word for one
 * without a label, with `{n}` its place in the list. Chromium's "default" and "communications"
 * aliases repeat a real device; they are kept (they follow the system's choice), as the browser lists them.
 */
export function deviceOptions(devices: readonly DeviceInfo[], kind: DeviceKind, unnamed: string): DeviceOption[] {
  const options: DeviceOption[] = [];
  for (const device of devices) {
    if (device.kind !== kind || device.deviceId === '') continue;
    const label = device.label.trim() || unnamed.replace('{n}', String(options.length + 1));
    options.push({ id: device.deviceId, label });
  }
  return options;
}

/** The choice to show: the current one while it is listed, else the first listed, else none. */
export function keepChoice(options: readonly DeviceOption[], current: string | undefined): string | undefined {
  if (current !== undefined && options.some((option) => option.id === current)) return current;
  return options[0]?.id;
}

/** Whether two lists differ (a device came or went, or was renamed): only then is the screen redrawn. */
export function listsDiffer(a: readonly DeviceOption[], b: readonly DeviceOption[]): boolean {
  return a.length !== b.length || a.some((option, i) => option.id !== b[i]?.id || option.label !== b[i]?.label);
}
