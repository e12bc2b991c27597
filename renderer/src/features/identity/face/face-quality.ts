/**
 * Quality gates of a face capture, pure: what one camera frame shows (as plain numbers taken from
 * human's result) → good enough to describe the patient, or the first problem to tell the operator.
 * Several good frames make a capture; their descriptors are averaged and their liveness signals
 * combined (`summariseCapture`).
 */
import { checkFaceDescriptor, defaultFaceLivenessThreshold } from '@domain/biometrics';

export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One face as the engine saw it in one frame. Angles in radians, as human reports them. */
export interface FaceObservation {
  readonly box: FaceBox;
  /** Detection confidence 0..1. */
  readonly score: number;
  readonly yaw: number | null;
  readonly pitch: number | null;
  readonly roll: number | null;
  /** human's anti-spoofing score 0..1 (1 = a real face, not a printed or screen one). */
  readonly real: number | null;
  /** human's liveness score 0..1. */
  readonly live: number | null;
  readonly embedding: readonly number[] | null;
}

export interface FrameObservation {
  readonly frameWidth: number;
  readonly frameHeight: number;
  readonly faces: readonly FaceObservation[];
}

export type FaceProblem =
  'camera-unavailable' | 'camera-denied' | 'engine-failed' | 'no-face' | 'several-faces' | 'too-small' | 'not-frontal' | 'unclear' | 'no-movement' | 'not-live';

export interface FaceQualityOptions {
  /** Smallest face height accepted, as a fraction of the frame's shorter side. */
  readonly minFaceFraction: number;
  /** Largest head rotations accepted, in degrees. */
  readonly maxYawDegrees: number;
  readonly maxPitchDegrees: number;
  readonly maxRollDegrees: number;
  /** Below this combined anti-spoofing/liveness score a capture is refused. */
  readonly minLiveness: number;
  /**
   * Below this movement of the face between good frames (largest shift of the box centre as a
   * fraction of the face's width) the picture is frozen: a live head always moves a little and a
   * camera's noise alone shifts the box; an injected still image does not.
   */
  readonly minMovement: number;
}

export const defaultFaceQualityOptions: FaceQualityOptions = {
  minFaceFraction: 0.25,
  maxYawDegrees: 25,
  maxPitchDegrees: 25,
  maxRollDegrees: 20,
  minLiveness: defaultFaceLivenessThreshold,
  minMovement: 0.002,
};

/** What the operator reads. Short, and each says what to do. */
export const faceProblemMessages: Readonly<Record<FaceProblem, string>> = {
  'camera-unavailable': 'No camera found — connect the desk camera and try again',
  'camera-denied': 'The camera is blocked — allow this desk to use the camera and try again',
  'engine-failed': 'Face recognition could not start on this desk — use the fingerprint or another way to confirm identity',
  'no-face': 'No face in view',
  'several-faces': 'Two faces in view — only the patient should be in front of the camera',
  'too-small': 'Move closer',
  'not-frontal': 'Face the camera',
  unclear: 'The face is not clear — hold still in good light',
  'no-movement': 'The picture is not moving — the patient must be in front of the camera in person',
  'not-live': 'This does not look like a live face — a photo or a screen is not accepted',
};

export type FrameVerdict = { readonly isGood: true; readonly face: FaceObservation } | { readonly isGood: false; readonly problem: FaceProblem };

const degrees = (radians: number): number => (Math.abs(radians) * 180) / Math.PI;

/** The gates, in the order an operator fixes them: who is in view, how far, which way, how clear. */
export function judgeFrame(frame: FrameObservation, options: FaceQualityOptions = defaultFaceQualityOptions): FrameVerdict {
  if (frame.faces.length === 0) return { isGood: false, problem: 'no-face' };
  if (frame.faces.length > 1) return { isGood: false, problem: 'several-faces' };
  const face = frame.faces[0]!;
  const shorterSide = Math.min(frame.frameWidth, frame.frameHeight);
  if (shorterSide <= 0 || face.box.height < options.minFaceFraction * shorterSide) return { isGood: false, problem: 'too-small' };
  if (face.yaw === null || face.pitch === null || face.roll === null) return { isGood: false, problem: 'unclear' };
  if (degrees(face.yaw) > options.maxYawDegrees || degrees(face.pitch) > options.maxPitchDegrees || degrees(face.roll) > options.maxRollDegrees) {
    return { isGood: false, problem: 'not-frontal' };
  }
  if (!checkFaceDescriptor(face.embedding).isValid) return { isGood: false, problem: 'unclear' };
  return { isGood: true, face };
}

export type CaptureSummary =
  | { readonly isAccepted: true; readonly descriptor: number[]; readonly liveness: number; readonly movement: number }
  | { readonly isAccepted: false; readonly problem: FaceProblem; readonly liveness: number | null; readonly movement: number | null };

/** Mean of human's anti-spoofing and liveness scores over the good frames (either alone if the other is missing). */
export function livenessOf(faces: readonly FaceObservation[]): number | null {
  const scores: number[] = [];
  for (const face of faces) {
    const signals = [face.real, face.live].filter((value): value is number => value !== null && Number.isFinite(value));
    if (signals.length > 0) scores.push(signals.reduce((sum, value) => sum + value, 0) / signals.length);
  }
  if (scores.length === 0) return null;
  return scores.reduce((sum, value) => sum + value, 0) / scores.length;
}

/** Largest shift of the face box centre from the first good frame, as a fraction of the face's width. */
export function movementOf(faces: readonly FaceObservation[]): number {
  const first = faces[0];
  if (first === undefined || first.box.width <= 0) return 0;
  const cx = first.box.x + first.box.width / 2;
  const cy = first.box.y + first.box.height / 2;
  let largest = 0;
  for (const face of faces) {
    const shift = Math.hypot(face.box.x + face.box.width / 2 - cx, face.box.y + face.box.height / 2 - cy);
    largest = Math.max(largest, shift / first.box.width);
  }
  return largest;
}

/** Element-wise mean of the good frames' descriptors: steadier than any single frame's. */
export function meanDescriptor(faces: readonly FaceObservation[]): number[] {
  const embeddings = faces.map((face) => face.embedding).filter((embedding): embedding is readonly number[] => embedding !== null);
  const length = embeddings[0]?.length ?? 0;
  const sum = new Array<number>(length).fill(0);
  for (const embedding of embeddings) {
    for (let i = 0; i < length; i += 1) sum[i]! += embedding[i] ?? 0;
  }
  return sum.map((value) => value / embeddings.length);
}

/**
 * Turns the good frames of a capture into its result: refused if the face did not move at all or
 * the liveness signals are too weak, otherwise the averaged descriptor with its liveness score.
 */
export function summariseCapture(goodFaces: readonly FaceObservation[], options: FaceQualityOptions = defaultFaceQualityOptions): CaptureSummary {
  if (goodFaces.length === 0) return { isAccepted: false, problem: 'no-face', liveness: null, movement: null };
  const movement = movementOf(goodFaces);
  const liveness = livenessOf(goodFaces);
  if (goodFaces.length > 1 && movement < options.minMovement) return { isAccepted: false, problem: 'no-movement', liveness, movement };
  if (liveness === null || liveness < options.minLiveness) return { isAccepted: false, problem: 'not-live', liveness, movement };
  return { isAccepted: true, descriptor: meanDescriptor(goodFaces), liveness, movement };
}

/** The problem to show after a capture with too few good frames: the one seen most often. */
export function mostFrequentProblem(problems: readonly FaceProblem[]): FaceProblem {
  const counts = new Map<FaceProblem, number>();
  let best: FaceProblem = 'no-face';
  let bestCount = 0;
  for (const problem of problems) {
    const count = (counts.get(problem) ?? 0) + 1;
    counts.set(problem, count);
    if (count > bestCount) {
      best = problem;
      bestCount = count;
    }
  }
  return best;
}
