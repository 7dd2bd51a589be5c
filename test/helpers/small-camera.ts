/**
 * A small fake camera of a chosen size and frame rate, for tests that put
 * many senders on 2 cores (the 6-peer mesh): Chromium plays a Y4M file in a
 * loop instead of its 640×480, 30 fps built-in pattern. Every frame differs
 * (a bright bar sweeps across grey), so none encodes to nothing, and the
 * frame rate is known, so a test can derive from it how many frames a live
 * stream shows in a given time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CameraFormat {
  width: number;
  height: number;
  fps: number;
  /**
   * `bar` (the default): a bar sweeping across grey, cheap to encode. `noise`: every frame fresh
   * noise, which no bitrate is enough for, so the sender always uses all the congestion
   * controller gives it (a simple picture leaves a sender application-limited, and the
   * estimate then never climbs above what it sends).
   */
  pattern?: 'bar' | 'noise';
}

export interface SmallCamera {
  format: CameraFormat;
  /** The Y4M file; unique per camera, so it also names the browser that plays it in a process list. */
  path: string;
  /** Chromium flags that make every page's camera this file. */
  flags: string[];
  close(): Promise<void>;
}

/** One second of video in `format` (even width and height: 4:2:0 chroma), played in a loop. */
export async function smallCamera(format: CameraFormat): Promise<SmallCamera> {
  const { width, height, fps } = format;
  if (width % 2 !== 0 || height % 2 !== 0 || fps < 1)
    throw new Error(`unusable camera format ${width}x${height}@${fps}`);
  const dir = await mkdtemp(join(tmpdir(), 'vc-small-camera-'));
  const path = join(dir, 'camera.y4m');
  const chroma = (width / 2) * (height / 2);
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1\n`)];
  for (let frame = 0; frame < fps; frame++) {
    if (format.pattern === 'noise') {
      parts.push(Buffer.from('FRAME\n'), randomBytes(width * height), Buffer.alloc(chroma * 2, 0x80));
      continue;
    }
    const luma = Buffer.alloc(width * height, 0x80);
    const bar = Math.floor((frame * width) / fps);
    const barWidth = Math.max(2, Math.floor(width / 10));
    for (let y = 0; y < height; y++) luma.fill(0xeb, y * width + bar, y * width + Math.min(width, bar + barWidth));
    parts.push(Buffer.from('FRAME\n'), luma, Buffer.alloc(chroma * 2, 0x80));
  }
  await writeFile(path, Buffer.concat(parts));
  return {
    format,
    path,
    flags: [`--use-file-for-fake-video-capture=${path}`],
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
