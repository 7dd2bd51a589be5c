/**
 * A small fake camera for the cluster calls: Chromium plays a Y4M file in a
 * loop instead of its 640×480 built-in pattern, so two pages and three server
 * processes share 2 cores without the video codec crowding out the signaling
 * the tests are about. Its frame rate is known, so the tests can derive from
 * it how many frames a live stream decodes in a given time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAKE_VIDEO = { width: 160, height: 120, fps: 20 } as const;

export interface FakeCamera {
  /** Chromium flags that make every page's camera this file. */
  flags: string[];
  close(): Promise<void>;
}

/** One second of video, a bright bar sweeping across grey, so every frame differs and none encodes to nothing. */
export async function fakeCamera(): Promise<FakeCamera> {
  const dir = await mkdtemp(join(tmpdir(), 'vc-e2e-camera-'));
  const path = join(dir, 'camera.y4m');
  const { width, height, fps } = FAKE_VIDEO;
  const chroma = (width / 2) * (height / 2);
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1\n`)];
  for (let frame = 0; frame < fps; frame++) {
    const luma = Buffer.alloc(width * height, 0x80);
    const bar = Math.floor((frame * width) / fps);
    for (let y = 0; y < height; y++) luma.fill(0xeb, y * width + bar, y * width + Math.min(width, bar + 16));
    parts.push(Buffer.from('FRAME\n'), luma, Buffer.alloc(chroma * 2, 0x80));
  }
  await writeFile(path, Buffer.concat(parts));
  return {
    flags: [`--use-file-for-fake-video-capture=${path}`],
    close: () => rm(dir, { recursive: true, force: true }),
  };
}
