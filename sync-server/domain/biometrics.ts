/**
 * Face biometrics rules, pure and shared by the server (enrolment validation), the desk backend
 * (1:1 verification against the cached enrolment) and the renderer (capture).
 *
 * A face descriptor is the embedding `@vladmandic/human` computes with its `faceres` model: a
 * vector of `faceDescriptorLength` finite numbers. Descriptors are biometric data: they are
 * compared here and never logged (see STYLE.md rule 13), so nothing in this file formats one.
 */

/** Length of the `faceres` embedding (`human.result.face[i].embedding`). */
export const faceDescriptorLength = 1024;

/**
 * Similarity at or above which two descriptors are taken as the same person. Calibrated on the
 * `faceres` embeddings of the package's sample photos (tests/e2e/face-capture.test.ts): the same
 * person from another picture, crop, scale and brightness scores about 0.78, another person about 0.39.
 * The desk can be configured with a stricter or looser value within `faceMatchThresholdRange`.
 */
export const defaultFaceMatchThreshold = 0.6;

/** Thresholds outside this range either accept almost anyone or refuse the same person. */
export const faceMatchThresholdRange = { min: 0.3, max: 0.95 } as const;

/**
 * Liveness score (0..1, the mean of human's liveness and anti-spoofing scores over the frames a
 * capture kept) below which a capture is refused as a possible photo or screen.
 */
export const defaultFaceLivenessThreshold = 0.5;

/** No embedding value of a real capture comes near this; larger ones mean a corrupted vector. */
const maxDescriptorMagnitude = 1000;

export type FaceDescriptorProblem = 'not-an-array' | 'wrong-length' | 'not-finite' | 'out-of-range' | 'all-zero';

export type FaceDescriptorCheck =
  | { readonly isValid: true; readonly descriptor: readonly number[] }
  | { readonly isValid: false; readonly problem: FaceDescriptorProblem; readonly message: string };

/** Checks a descriptor received from outside (a request body, a stored row). */
export function checkFaceDescriptor(value: unknown): FaceDescriptorCheck {
  if (!Array.isArray(value)) {
    return { isValid: false, problem: 'not-an-array', message: 'The face descriptor must be a list of numbers.' };
  }
  if (value.length !== faceDescriptorLength) {
    return {
      isValid: false,
      problem: 'wrong-length',
      message: `The face descriptor must have ${faceDescriptorLength} numbers; this one has ${value.length}.`,
    };
  }
  let isAllZero = true;
  for (const item of value as readonly unknown[]) {
    if (typeof item !== 'number' || !Number.isFinite(item)) {
      return { isValid: false, problem: 'not-finite', message: 'The face descriptor must hold finite numbers only.' };
    }
    if (Math.abs(item) > maxDescriptorMagnitude) {
      return {
        isValid: false,
        problem: 'out-of-range',
        message: `The face descriptor holds a value beyond ±${maxDescriptorMagnitude}; it is not a face embedding.`,
      };
    }
    if (item !== 0) isAllZero = false;
  }
  if (isAllZero) {
    return { isValid: false, problem: 'all-zero', message: 'The face descriptor is all zeros; capture the face again.' };
  }
  return { isValid: true, descriptor: value as readonly number[] };
}

export function isFaceDescriptor(value: unknown): value is readonly number[] {
  return checkFaceDescriptor(value).isValid;
}

/**
 * Similarity of two face descriptors in 0..1: their cosine similarity, with opposite or
 * unrelated directions (cosine ≤ 0) clamped to 0. Cosine ignores the vectors' lengths, which vary
 * with image brightness and contrast while the direction carries the identity.
 * Throws on descriptors of different lengths or without magnitude: callers validate with
 * `checkFaceDescriptor` first, so that is a programming error, not a non-match.
 */
export function faceSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`face descriptors of different or zero lengths (${a.length} and ${b.length})`);
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) throw new RangeError('a face descriptor without magnitude cannot be compared');
  const cosine = dot / Math.sqrt(normA * normB);
  // Rounding can push the cosine of identical vectors a hair past 1.
  return Math.min(1, Math.max(0, cosine));
}

export function isValidFaceMatchThreshold(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= faceMatchThresholdRange.min && value <= faceMatchThresholdRange.max;
}

/** The 1:1 decision: the same person when the similarity reaches the threshold. */
export function isFaceMatch(similarity: number, threshold: number = defaultFaceMatchThreshold): boolean {
  return similarity >= threshold;
}
