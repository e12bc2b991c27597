/**
 * One face capture: read frames from the live camera video until enough of them pass the quality
 * gates, then hand back the averaged descriptor and its liveness score, or the problem the operator
 * has to fix. The descriptor is biometric data: it is returned to the caller (which sends it to the
 * desk backend only) and never logged or stored here.
 */
import { loadFaceEngine, type FaceEngine } from './face-engine';
import {
  defaultFaceQualityOptions,
  faceProblemMessages,
  judgeFrame,
  mostFrequentProblem,
  summariseCapture,
  type FaceObservation,
  type FaceProblem,
  type FaceQualityOptions,
} from './face-quality';

export interface FaceCaptureOptions {
  readonly quality?: Partial<FaceQualityOptions>;
  /** Good frames needed for one capture. */
  readonly goodFrames?: number;
  /** Frames examined before giving up with the problem seen most often. */
  readonly maxFrames?: number;
  /** Called after every frame with its problem (null when the frame was good): live guidance. */
  readonly onFrame?: (problem: FaceProblem | null) => void;
  readonly signal?: AbortSignal;
}

export type FaceCaptureResult =
  | { readonly ok: true; readonly descriptor: number[]; readonly liveness: number; readonly frames: number }
  | { readonly ok: false; readonly problem: FaceProblem; readonly message: string };

const failed = (problem: FaceProblem): FaceCaptureResult => ({ ok: false, problem, message: faceProblemMessages[problem] });

/**
 * Waits for the next painted video frame so that two observations are never of the same frame;
 * at most half a second, because a camera that stops paints no more frames and the capture must
 * still end (bounded by `maxFrames`).
 */
function nextFrame(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 500);
    if (typeof video.requestVideoFrameCallback === 'function') {
      video.requestVideoFrameCallback(() => {
        clearTimeout(timer);
        resolve();
      });
    }
  });
}

/** The camera was unplugged or taken away: its video track has ended. */
function hasCameraEnded(video: HTMLVideoElement): boolean {
  const stream = video.srcObject;
  if (!(stream instanceof MediaStream)) return false;
  return stream.getVideoTracks().every((track) => track.readyState === 'ended');
}

export async function captureFaceDescriptor(video: HTMLVideoElement, options: FaceCaptureOptions = {}): Promise<FaceCaptureResult> {
  const quality = { ...defaultFaceQualityOptions, ...options.quality };
  const goodFrames = options.goodFrames ?? 4;
  const maxFrames = options.maxFrames ?? 24;
  let engine: FaceEngine;
  try {
    engine = await loadFaceEngine();
  } catch {
    return failed('engine-failed');
  }
  const good: FaceObservation[] = [];
  const problems: FaceProblem[] = [];
  for (let frame = 0; frame < maxFrames && good.length < goodFrames; frame += 1) {
    if (options.signal?.aborted === true) throw new DOMException('The face capture was cancelled', 'AbortError');
    if (hasCameraEnded(video)) return failed('camera-unavailable');
    if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
      await nextFrame(video);
      continue;
    }
    let verdict;
    try {
      verdict = judgeFrame(await engine.observe(video), quality);
    } catch {
      return failed('engine-failed');
    }
    if (verdict.isGood) good.push(verdict.face);
    else problems.push(verdict.problem);
    options.onFrame?.(verdict.isGood ? null : verdict.problem);
    await nextFrame(video);
  }
  if (good.length < goodFrames) return failed(problems.length > 0 ? mostFrequentProblem(problems) : 'no-face');
  const summary = summariseCapture(good, quality);
  if (!summary.isAccepted) return failed(summary.problem);
  return { ok: true, descriptor: summary.descriptor, liveness: summary.liveness, frames: good.length };
}
