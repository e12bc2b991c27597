import { describe, expect, it } from 'vitest';
import {
  checkFaceDescriptor,
  defaultFaceMatchThreshold,
  faceDescriptorLength,
  faceMatchThresholdRange,
  faceSimilarity,
  isFaceDescriptor,
  isFaceMatch,
  isValidFaceMatchThreshold,
} from './biometrics';

/** A deterministic descriptor-shaped vector (no Math.random: the same on every run). */
function vector(seed: number): number[] {
  const out: number[] = [];
  let state = seed;
  for (let i = 0; i < faceDescriptorLength; i += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out.push(state / 2147483648 - 0.5);
  }
  return out;
}

describe('face similarity', () => {
  it('is 1 for the same descriptor and for the same direction at another magnitude', () => {
    const a = vector(1);
    expect(faceSimilarity(a, a)).toBeCloseTo(1, 12);
    expect(
      faceSimilarity(
        a,
        a.map((x) => x * 3.5),
      ),
    ).toBeCloseTo(1, 12);
  });

  it('is symmetric and stays within 0..1', () => {
    const a = vector(1);
    const b = vector(2);
    const s = faceSimilarity(a, b);
    expect(s).toBe(faceSimilarity(b, a));
    expect(s).toBeGreaterThanOrEqual(0);
    expect(s).toBeLessThanOrEqual(1);
  });

  it('clamps opposite directions to 0', () => {
    const a = vector(3);
    expect(
      faceSimilarity(
        a,
        a.map((x) => -x),
      ),
    ).toBe(0);
  });

  it('scores a slightly perturbed descriptor above the default threshold and an unrelated one below', () => {
    const a = vector(4);
    const noise = vector(5);
    const near = a.map((x, i) => x + 0.2 * (noise[i] ?? 0));
    expect(isFaceMatch(faceSimilarity(a, near))).toBe(true);
    // Two independent random 1024-vectors are nearly orthogonal.
    expect(isFaceMatch(faceSimilarity(a, vector(6)))).toBe(false);
  });

  it('refuses descriptors of different lengths or without magnitude', () => {
    expect(() => faceSimilarity([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => faceSimilarity([], [])).toThrow(RangeError);
    expect(() => faceSimilarity([0, 0], [1, 2])).toThrow(RangeError);
  });
});

describe('face descriptor validation', () => {
  it('accepts a descriptor of the faceres length with finite values', () => {
    const check = checkFaceDescriptor(vector(7));
    expect(check.isValid).toBe(true);
    expect(isFaceDescriptor(vector(7))).toBe(true);
  });

  it('names what is wrong with a bad descriptor', () => {
    const cases: Array<[unknown, string]> = [
      ['not a list', 'not-an-array'],
      [{ length: faceDescriptorLength }, 'not-an-array'],
      [vector(8).slice(1), 'wrong-length'],
      [[...vector(8), 0.1], 'wrong-length'],
      [vector(8).map((x, i) => (i === 10 ? Number.NaN : x)), 'not-finite'],
      [vector(8).map((x, i) => (i === 10 ? Number.POSITIVE_INFINITY : x)), 'not-finite'],
      [vector(8).map((x, i) => (i === 10 ? '0.5' : x)), 'not-finite'],
      [vector(8).map((x, i) => (i === 10 ? 1e6 : x)), 'out-of-range'],
      [new Array<number>(faceDescriptorLength).fill(0), 'all-zero'],
    ];
    for (const [value, problem] of cases) {
      const check = checkFaceDescriptor(value);
      expect(check.isValid).toBe(false);
      if (!check.isValid) {
        expect(check.problem).toBe(problem);
        expect(check.message.length).toBeGreaterThan(10);
      }
      expect(isFaceDescriptor(value)).toBe(false);
    }
  });

  it('accepts match thresholds only inside the configured range', () => {
    expect(isValidFaceMatchThreshold(defaultFaceMatchThreshold)).toBe(true);
    expect(isValidFaceMatchThreshold(faceMatchThresholdRange.min)).toBe(true);
    expect(isValidFaceMatchThreshold(faceMatchThresholdRange.max)).toBe(true);
    expect(isValidFaceMatchThreshold(faceMatchThresholdRange.min - 0.01)).toBe(false);
    expect(isValidFaceMatchThreshold(0.99)).toBe(false);
    expect(isValidFaceMatchThreshold(Number.NaN)).toBe(false);
    expect(isValidFaceMatchThreshold('0.6')).toBe(false);
  });

  it('matches at the threshold and not below it', () => {
    expect(isFaceMatch(0.7, 0.7)).toBe(true);
    expect(isFaceMatch(0.69, 0.7)).toBe(false);
  });
});
