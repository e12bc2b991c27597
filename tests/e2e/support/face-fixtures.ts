import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Fake-camera videos for Chromium (`--use-file-for-fake-video-capture=<file>.y4m`), generated at
 * test time with ffmpeg from the photos `@vladmandic/human` ships in `assets/` (nothing binary is
 * committed). Every video is 640×480, 15 fps, 2 s, looped by Chromium; the face drifts a few
 * pixels from frame to frame as a live head does, so captures see movement across frames (except
 * in `personAFrozen`, which stands for a still picture).
 *
 * Sources (coordinates in the original files):
 * - `screenshot-facedetect.jpg` (800×718): a row of five face crops at y 345..497. Crop 1 is a man
 *   (person A), crop 2 a woman (person B), crop 4 another woman.
 * - `screenshot-facematch.jpg` (1920×954): the "selected face" panel top left is person A again, a
 *   different picture size and framing: it becomes A′ with another crop, scale and brightness.
 * - `samples.jpg` (1280×1158): the ceiling of the group photo, a scene with no face.
 */
export type FaceFixtureName = 'personA' | 'personAAgain' | 'personB' | 'emptyScene' | 'twoFaces' | 'personAFar' | 'personATilted' | 'personAFrozen';

export interface FaceFixtures {
  readonly dir: string;
  /** Absolute path of each `.y4m` file. */
  readonly files: Readonly<Record<FaceFixtureName, string>>;
  remove(): void;
}

const assets = resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'node_modules/@vladmandic/human/assets');
const width = 640;
const height = 480;
const fps = 15;
const seconds = 2;
/** A plain wall behind the patient. */
const background = `color=c=0x8c9196:s=${width}x${height}:r=${fps}:d=${seconds}`;

const crops = {
  // w:h:x:y in the source image
  personA: 'crop=150:152:8:345',
  personB: 'crop=150:152:163:345',
  otherWoman: 'crop=150:152:478:345',
  personAAgain: 'crop=165:168:0:28',
  emptyScene: 'crop=560:180:460:195',
} as const;

/** Small circular drift of a placed face, in pixels (a still photo would not move at all). */
function drifting(x: number, y: number): string {
  return `x='${x}+6*sin(2*PI*t)':y='${y}+4*cos(2*PI*t)'`;
}

interface Recipe {
  readonly inputs: readonly string[];
  readonly filter: string;
}

function recipes(): Record<FaceFixtureName, Recipe> {
  const facedetect = join(assets, 'screenshot-facedetect.jpg');
  const facematch = join(assets, 'screenshot-facematch.jpg');
  const samples = join(assets, 'samples.jpg');
  return {
    // A: the face fills about half the frame height, centred.
    personA: {
      inputs: [facedetect],
      filter: `[1:v]${crops.personA},scale=300:304[f];[0:v][f]overlay=${drifting(170, 88)}`,
    },
    // A′: another picture of A, tighter crop, larger, brighter and off-centre.
    personAAgain: {
      inputs: [facematch],
      filter: `[1:v]${crops.personAAgain},scale=330:336,eq=brightness=0.08:contrast=1.1[f];[0:v][f]overlay=${drifting(230, 70)}`,
    },
    personB: {
      inputs: [facedetect],
      filter: `[1:v]${crops.personB},scale=300:304[f];[0:v][f]overlay=${drifting(170, 88)}`,
    },
    emptyScene: {
      inputs: [samples],
      filter: `[1:v]${crops.emptyScene},scale=${width}:${height}[s];[0:v][s]overlay=0:0`,
    },
    // A and another person side by side, both large enough to be seen.
    twoFaces: {
      inputs: [facedetect],
      filter:
        `[1:v]split[a][b];[a]${crops.personA},scale=260:264[fa];[b]${crops.otherWoman},scale=260:264[fb];` +
        `[0:v][fa]overlay=${drifting(40, 108)}[t];[t][fb]overlay=${drifting(340, 108)}`,
    },
    // A, far from the camera: a face too small to describe reliably.
    personAFar: {
      inputs: [facedetect],
      filter: `[1:v]${crops.personA},scale=70:71[f];[0:v][f]overlay=${drifting(285, 200)}`,
    },
    // A with the head tilted 40° to the side: not frontal.
    personATilted: {
      inputs: [facedetect],
      filter: `[1:v]${crops.personA},scale=300:304,rotate=40*PI/180:c=0x8c9196:ow=420:oh=420[f];[0:v][f]overlay=${drifting(110, 30)}`,
    },
    // A as a still picture: every frame identical, as an injected photo would be.
    personAFrozen: {
      inputs: [facedetect],
      filter: `[1:v]${crops.personA},scale=300:304[f];[0:v][f]overlay=170:88`,
    },
  };
}

/** Writes every fixture into a new temporary directory. Call `remove()` when done. */
export function generateFaceFixtures(): FaceFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-face-'));
  const files = {} as Record<FaceFixtureName, string>;
  try {
    for (const [name, recipe] of Object.entries(recipes()) as Array<[FaceFixtureName, Recipe]>) {
      const file = join(dir, `${name}.y4m`);
      const args = [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        background,
        ...recipe.inputs.flatMap((input) => ['-loop', '1', '-framerate', String(fps), '-i', input]),
        '-filter_complex',
        `${recipe.filter},format=yuv420p`,
        '-frames:v',
        String(fps * seconds),
        '-f',
        'yuv4mpegpipe',
        file,
      ];
      const run = spawnSync('ffmpeg', args, { encoding: 'utf8' });
      if (run.error) throw new Error(`ffmpeg could not be started (is it installed?): ${run.error.message}`);
      if (run.status !== 0 || !existsSync(file)) throw new Error(`ffmpeg failed for the ${name} fixture: ${run.stderr}`);
      files[name] = file;
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Chromium flags that make getUserMedia answer with the given file, without a permission prompt. */
export function fakeCameraArgs(file: string): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`];
}
