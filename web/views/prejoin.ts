/**
 * The pre-join screen and the in-call device menu: a lazy chunk
 * (prejoin-<hash>.js) that imports nothing from the element at run time
 * (views/host-lobby.ts says why); its pure parts are in devices/.
 *
 * The screen (the element's `prejoin` attribute) previews the camera, shows
 * the microphone's level, offers the camera, microphone and speaker, the name
 * (remembered per origin as `vc-name`) and joining with the microphone or
 * camera off. Its Join hands the preview's tracks to the call
 * (MediaController.handOver), so the browser asks once and the camera never
 * blinks. A refused permission or a missing device says so and what to do;
 * joining without devices still works. Leaving the screen stops the meter and
 * closes its AudioContext, and a track not handed over is stopped.
 *
 * In the call, a button in the controls opens the same pickers; a choice goes
 * through the element's setDevices(), which swaps tracks with replaceTrack (no
 * renegotiation) and keeps the microphone's mute.
 */
import type { TemplateResult } from 'lit';
import type { VideoCall } from '../video-call.js';
import type { DeviceChoice, MediaController } from '../controllers/media-controller.js';
import { devices as english } from '../strings/en-devices.js';
import { deviceOptions, keepChoice, listsDiffer, type DeviceKind, type DeviceOption } from '../devices/device-lists.js';
import { levelOf, smooth } from '../devices/level.js';
import { recallName, rememberName } from '../devices/name-memory.js';
import type { ViewContext } from './view-context.js';

export interface PrejoinView {
  /** Adopted into the element's shadow root beside its own styles. */
  styles: CSSStyleSheet;
  /** Shows the screen: opens the preview and the meter. */
  open(): void;
  /** The screen, while the element is in state `prejoin`. */
  screen(): TemplateResult;
  /** The in-call device button and, when open, its pickers. */
  menu(): TemplateResult;
  /** Leaves the screen without joining: the preview's devices are released. */
  stop(): void;
}

/** `starting`: waiting for the permission; `none`: neither a camera nor a microphone exists. */
type Phase = 'starting' | 'ready' | 'denied' | 'none' | 'failed';

/** How often the meter is read: smooth enough to see speech, cheap on a small machine. */
const METER_MS = 50;

const CSS = `
  .pj {
    flex: 1; display: grid; gap: 16px 24px; align-items: center; align-content: center;
    grid-template-columns: minmax(0, 3fr) minmax(240px, 2fr); max-width: 960px; width: 100%; margin: 0 auto;
  }
  .pj ~ .grid { display: none; }
  .pv { position: relative; aspect-ratio: 16 / 9; border-radius: calc(var(--_radius) - 4px); overflow: hidden;
    background: var(--_tile); display: grid; place-items: center; color: var(--_muted-fg); }
  .pv video { position: absolute; inset: 0; transform: scaleX(-1); }
  .level { position: absolute; left: 12px; right: 12px; bottom: 12px; width: auto; height: 8px; }
  .level::-webkit-meter-bar { background: rgb(0 0 0 / 0.45); border: 0; border-radius: 4px; }
  .level::-webkit-meter-optimum-value { background: #3fb950; border-radius: 4px; }
  .pf { display: grid; gap: 10px; }
  .pf h2 { margin: 0; font-size: 1.3em; }
  .pf p { margin: 0; }
  .pf .warn { color: var(--_danger); }
  .pf small, .dm small { color: var(--_muted-fg); }
  .pf label, .dm label { display: grid; gap: 4px; color: var(--_muted-fg); font-size: 0.9em; }
  .pf label.check { display: flex; align-items: center; gap: 8px; color: var(--_fg); }
  .pf input:not([type]), select {
    font: inherit; color: var(--_fg); background: var(--_tile); border: 1px solid rgb(255 255 255 / 0.16);
    border-radius: 8px; padding: 8px 10px; min-width: 0;
  }
  .pf .join { justify-self: start; height: 44px; }
  .dm { position: relative; }
  .device-menu {
    position: absolute; bottom: calc(100% + 8px); left: 50%; transform: translateX(-50%); z-index: 2;
    display: grid; gap: 10px; width: min(300px, 90cqw); padding: 14px; border-radius: 12px;
    background: var(--_bg); box-shadow: 0 6px 24px rgb(0 0 0 / 0.5);
  }
  .dm button.on { background: var(--_fg); color: var(--_bg); }
  @container (max-width: 640px) {
    .pj { grid-template-columns: minmax(0, 1fr); align-content: start; }
  }
`;

const TUNE =
  'M3 17v2h6v-2H3ZM3 5v2h10V5H3Zm10 16v-2h8v-2h-8v-2h-2v6h2ZM7 9v2H3v2h4v2h2V9H7Zm14 4v-2H11v2h10Zm-6-4h2V7h4V5h-4V3h-2v6Z';

export function prejoinView(
  { html, locale, fill }: ViewContext,
  element: VideoCall,
  media: MediaController,
  /** Starts the call, with what handOver() gave the media controller. */
  go: () => void,
): PrejoinView {
  const styles = new CSSStyleSheet();
  styles.replaceSync(CSS);
  const words = () => locale()?.devices ?? english;
  const storage = (): Storage | undefined => {
    try {
      return localStorage;
    } catch {
      return undefined;
    }
  };
  const canSink = 'setSinkId' in HTMLMediaElement.prototype;

  let phase: Phase = 'starting';
  let reason = '';
  let preview: MediaStream | null = null;
  let name = '';
  let micOff = false;
  let cameraOff = false;
  let menuOpen = false;
  const choice: DeviceChoice = {};
  const lists: Record<DeviceKind, DeviceOption[]> = { videoinput: [], audioinput: [], audiooutput: [] };
  let meter: { context: AudioContext; timer: ReturnType<typeof setInterval> } | undefined;
  /** Bumped by stop(): a permission answered after the screen was left must not start anything. */
  let generation = 0;

  const update = () => element.requestUpdate();

  const refreshLists = async () => {
    const all = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const t = words();
    const unnamed: Record<DeviceKind, string> = {
      videoinput: t.cameraN,
      audioinput: t.microphoneN,
      audiooutput: t.speakerN,
    };
    let changed = false;
    for (const kind of ['videoinput', 'audioinput', 'audiooutput'] as const) {
      const next = deviceOptions(all, kind, unnamed[kind]);
      if (listsDiffer(lists[kind], next)) changed = true;
      lists[kind] = next;
    }
    if (changed) update();
  };
  const onDeviceChange = () => void refreshLists().then(() => (phase === 'none' ? openPreview() : undefined));

  const stopMeter = () => {
    if (meter === undefined) return;
    clearInterval(meter.timer);
    void meter.context.close().catch(() => undefined);
    meter = undefined;
  };

  /** The level of `track`, read into the screen's <meter> without re-rendering the element. */
  const startMeter = (track: MediaStreamTrack) => {
    stopMeter();
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    let shown = 0;
    const timer = setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      shown = smooth(shown, levelOf(samples));
      const bar = element.renderRoot.querySelector<HTMLMeterElement>('meter.level');
      if (bar !== null) bar.value = shown;
    }, METER_MS);
    meter = { context, timer };
  };

  const track = (kind: 'audio' | 'video') =>
    (kind === 'audio' ? preview?.getAudioTracks() : preview?.getVideoTracks())?.[0];

  const constraint = (id: string | undefined): MediaTrackConstraints | boolean =>
    id === undefined ? true : { deviceId: { exact: id } };

  /** Opens the devices the screen shows; a kind that fails alone is left out, as the call would. */
  const getMedia = async (audio: boolean, video: boolean): Promise<MediaStreamTrack[]> => {
    if (!audio && !video) return [];
    try {
      const got = await navigator.mediaDevices.getUserMedia({
        audio: audio && constraint(choice.audio),
        video: video && constraint(choice.video),
      });
      return got.getTracks();
    } catch (error) {
      const name = error instanceof DOMException ? error.name : '';
      if (name === 'NotAllowedError' || name === 'SecurityError') throw error;
      if (audio && video) return [...(await getMedia(true, false)), ...(await getMedia(false, true))];
      if (name !== 'NotFoundError' && name !== 'OverconstrainedError') reason = String((error as Error).message);
      return [];
    }
  };

  /** (Re)opens `kinds` of the preview, keeping the other kind's track. */
  const openPreview = async (kinds: Array<'audio' | 'video'> = ['audio', 'video']) => {
    const mine = generation;
    const wanted = kinds.filter((kind) => kind === 'audio' || !cameraOff);
    for (const kind of kinds) track(kind)?.stop();
    const kept = preview?.getTracks().filter((t) => !kinds.includes(t.kind as 'audio' | 'video')) ?? [];
    reason = '';
    let got: MediaStreamTrack[];
    try {
      got = await getMedia(wanted.includes('audio'), wanted.includes('video'));
    } catch {
      if (mine !== generation) return;
      phase = 'denied';
      preview = null;
      stopMeter();
      await refreshLists();
      return update();
    }
    if (mine !== generation) {
      for (const t of got) t.stop();
      return;
    }
    preview = new MediaStream([...kept, ...got]);
    await refreshLists();
    for (const kind of ['audio', 'video'] as const) {
      const id = track(kind)?.getSettings().deviceId;
      if (id !== undefined) choice[kind] = id;
    }
    choice.speaker = keepChoice(lists.audiooutput, choice.speaker);
    const audio = track('audio');
    if (kinds.includes('audio')) {
      if (audio !== undefined) startMeter(audio);
      else stopMeter();
    }
    const none = lists.videoinput.length === 0 && lists.audioinput.length === 0 && preview.getTracks().length === 0;
    phase = reason !== '' && preview.getTracks().length === 0 ? 'failed' : none ? 'none' : 'ready';
    update();
  };

  const stop = () => {
    generation++;
    stopMeter();
    for (const t of preview?.getTracks() ?? []) t.stop();
    preview = null;
  };
  // Added now, and again whenever the element is put back into a page.
  element.addController({
    hostConnected: () => navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange),
    hostDisconnected: () => {
      stop();
      navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange);
    },
  });
  /** An in-call switch; a refused speaker changes nothing, and the picker shows the one still in use. */
  const use = (choice: DeviceChoice) => void element.setDevices(choice).catch(update);

  const join = (event: Event) => {
    event.preventDefault();
    rememberName(storage(), name);
    element.name = name.trim();
    element.muted = micOff;
    element.cameraOff = cameraOff;
    const tracks = preview?.getTracks() ?? [];
    generation++;
    stopMeter();
    preview = null;
    media.handOver(tracks, { ...choice });
    go();
  };

  const pick = (kind: 'audio' | 'video' | 'speaker', id: string) => {
    choice[kind] = id;
    if (kind !== 'speaker') void openPreview([kind]);
  };

  const setCameraOff = (off: boolean) => {
    cameraOff = off;
    if (off) {
      const video = track('video');
      video?.stop();
      if (video !== undefined) preview?.removeTrack(video);
      preview = preview === null ? null : new MediaStream(preview.getTracks());
      update();
    } else if (phase === 'ready') {
      void openPreview(['video']);
    }
  };

  /** One picker; an empty list shows nothing: the screen's message says what is missing. */
  const picker = (
    label: string,
    part: string,
    options: DeviceOption[],
    value: string | undefined,
    on: (id: string) => void,
  ) =>
    options.length === 0
      ? undefined
      : html`<label
          >${label}
          <select part=${part} @change=${(event: Event) => on((event.target as HTMLSelectElement).value)}>
            ${options.map((option) => html`<option value=${option.id} ?selected=${option.id === value}>${option.label}</option>`)}
          </select></label
        >`;

  const speakerPicker = (value: string | undefined, on: (id: string) => void) => {
    const t = words();
    return canSink
      ? picker(t.speaker, 'speaker-select', lists.audiooutput, value, on)
      : html`<small class="no-sink">${t.noSpeakerChoice}</small>`;
  };

  const message = () => {
    const t = words();
    const found = (kind: 'audio' | 'video') => track(kind) !== undefined || (kind === 'video' && cameraOff);
    switch (phase) {
      case 'starting':
        return html`<p>${t.starting}</p>`;
      case 'denied':
        return html`<p part="prejoin-problem" class="warn" data-problem="denied">${t.denied}</p>
          <small>${t.deniedHint}</small>`;
      case 'none':
        return html`<p part="prejoin-problem" class="warn" data-problem="none">${t.noDevices}</p>
          <small>${t.noDevicesHint}</small>`;
      case 'failed':
        return html`<p part="prejoin-problem" class="warn" data-problem="failed">${fill(t.failed, { reason })}</p>`;
      case 'ready':
        if (!found('video') && lists.videoinput.length === 0)
          return html`<small data-problem="no-camera">${t.noCamera}</small>`;
        if (!found('audio') && lists.audioinput.length === 0)
          return html`<small data-problem="no-microphone">${t.noMicrophone}</small>`;
        return undefined;
    }
  };

  return {
    styles,
    open: () => {
      stop();
      phase = 'starting';
      name = element.name || recallName(storage());
      micOff = element.muted;
      cameraOff = element.cameraOff;
      void openPreview();
      update();
    },
    stop,
    screen: () => {
      const t = words();
      const video = track('video');
      const devicesOk = phase === 'ready';
      return html`<section part="prejoin" class="pj" aria-label=${t.title}>
        <div class="pv">
          ${
            video !== undefined
              ? html`<video
                  part="video preview-video"
                  aria-label=${t.preview}
                  autoplay
                  playsinline
                  muted
                  .srcObject=${preview}
                ></video>`
              : html`<span>${t.noPreview}</span>`
          }
          ${
            track('audio') !== undefined
              ? html`<meter part="level" class="level" min="0" max="1" value="0" aria-label=${t.level}></meter>`
              : undefined
          }
        </div>
        <form class="pf" @submit=${join}>
          <h2>${t.title}</h2>
          ${message()}
          <label
            >${t.name}
            <input
              part="name-input"
              name="name"
              autocomplete="name"
              maxlength="64"
              placeholder=${t.namePlaceholder}
              .value=${name}
              @input=${(event: Event) => (name = (event.target as HTMLInputElement).value)}
          /></label>
          ${devicesOk ? picker(t.camera, 'camera-select', lists.videoinput, choice.video, (id) => pick('video', id)) : undefined}
          ${devicesOk ? picker(t.microphone, 'microphone-select', lists.audioinput, choice.audio, (id) => pick('audio', id)) : undefined}
          ${devicesOk ? speakerPicker(choice.speaker, (id) => pick('speaker', id)) : undefined}
          <label class="check"
            ><input
              type="checkbox"
              part="mic-off-check"
              .checked=${micOff}
              @change=${(event: Event) => {
                micOff = (event.target as HTMLInputElement).checked;
                update();
              }}
            />${t.micOff}</label
          >
          <label class="check"
            ><input
              type="checkbox"
              part="camera-off-check"
              .checked=${cameraOff}
              @change=${(event: Event) => setCameraOff((event.target as HTMLInputElement).checked)}
            />${t.cameraOff}</label
          >
          <button
            part="button prejoin-join-button"
            class="join"
            type="submit"
            @pointerdown=${() => void meter?.context.resume()}
          >
            ${t.join}
          </button>
        </form>
      </section>`;
    },
    menu: () => {
      const t = words();
      const current = (track: MediaStreamTrack | null) => track?.getSettings().deviceId;
      const toggle = () => {
        menuOpen = !menuOpen;
        if (menuOpen) void refreshLists();
        update();
      };
      return html`<div class="dm">
        <button
          part="button devices-button"
          class=${menuOpen ? 'on' : ''}
          aria-expanded=${String(menuOpen)}
          aria-label=${t.devicesLabel}
          title=${t.devices}
          @click=${toggle}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true"><path d=${TUNE} /></svg>
        </button>
        ${
          menuOpen
            ? html`<div part="device-menu" class="device-menu" role="group" aria-label=${t.devicesLabel}>
                ${picker(t.camera, 'camera-select', lists.videoinput, current(media.video), (id) => use({ video: id }))}
                ${picker(t.microphone, 'microphone-select', lists.audioinput, current(media.audio), (id) => use({ audio: id }))}
                ${speakerPicker(media.devices.speaker ?? keepChoice(lists.audiooutput, undefined), (id) => use({ speaker: id }))}
              </div>`
            : undefined
        }
      </div>`;
    },
  };
}
