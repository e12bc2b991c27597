import { describe, expect, it } from 'vitest';
import { faceDescriptorLength } from '@domain/biometrics';
import {
  defaultFaceQualityOptions,
  faceProblemMessages,
  judgeFrame,
  livenessOf,
  meanDescriptor,
  mostFrequentProblem,
  movementOf,
  summariseCapture,
  type FaceObservation,
  type FrameObservation,
} from './face-quality';

const embedding = (value: number): number[] => Array.from({ length: faceDescriptorLength }, (_, i) => value + (i % 7) / 100);

function face(overrides: Partial<FaceObservation> = {}): FaceObservation {
  return {
    box: { x: 200, y: 100, width: 240, height: 260 },
    score: 0.9,
    yaw: 0.05,
    pitch: -0.1,
    roll: 0.02,
    real: 0.8,
    live: 0.7,
    embedding: embedding(0.1),
    ...overrides,
  };
}
const frame = (faces: FaceObservation[]): FrameObservation => ({ frameWidth: 640, frameHeight: 480, faces });
const radians = (degrees: number): number => (degrees * Math.PI) / 180;

describe('face quality gates, one frame', () => {
  it('accepts one large, frontal face with a descriptor', () => {
    const verdict = judgeFrame(frame([face()]));
    expect(verdict.isGood).toBe(true);
  });

  it('names the first problem in the order the operator fixes them', () => {
    expect(judgeFrame(frame([]))).toEqual({ isGood: false, problem: 'no-face' });
    expect(judgeFrame(frame([face(), face({ box: { x: 0, y: 0, width: 50, height: 50 } })]))).toEqual({ isGood: false, problem: 'several-faces' });
    // 0.25 × 480 = 120 px is the smallest face height accepted.
    expect(judgeFrame(frame([face({ box: { x: 0, y: 0, width: 110, height: 119 } })]))).toEqual({ isGood: false, problem: 'too-small' });
    expect(judgeFrame(frame([face({ box: { x: 0, y: 0, width: 110, height: 120 } })])).isGood).toBe(true);
    expect(judgeFrame(frame([face({ yaw: radians(30) })]))).toEqual({ isGood: false, problem: 'not-frontal' });
    expect(judgeFrame(frame([face({ pitch: radians(-26) })]))).toEqual({ isGood: false, problem: 'not-frontal' });
    expect(judgeFrame(frame([face({ roll: radians(21) })]))).toEqual({ isGood: false, problem: 'not-frontal' });
    expect(judgeFrame(frame([face({ yaw: radians(24), pitch: radians(24), roll: radians(19) })])).isGood).toBe(true);
    expect(judgeFrame(frame([face({ yaw: null })]))).toEqual({ isGood: false, problem: 'unclear' });
    expect(judgeFrame(frame([face({ embedding: null })]))).toEqual({ isGood: false, problem: 'unclear' });
    expect(judgeFrame(frame([face({ embedding: [0.1, 0.2] })]))).toEqual({ isGood: false, problem: 'unclear' });
  });

  it('has the messages the desk shows', () => {
    expect(faceProblemMessages['no-face']).toBe('No face in view');
    expect(faceProblemMessages['several-faces']).toBe('Two faces in view — only the patient should be in front of the camera');
    expect(faceProblemMessages['too-small']).toBe('Move closer');
    expect(faceProblemMessages['not-frontal']).toBe('Face the camera');
  });
});

describe('a capture from its good frames', () => {
  const moving = [0, 2, 4, 3].map((dx) => face({ box: { x: 200 + dx, y: 100, width: 240, height: 260 } }));

  it('averages the descriptors and the liveness signals', () => {
    const faces = [face({ embedding: embedding(0.1), real: 0.9, live: 0.7 }), face({ embedding: embedding(0.3), real: 0.6, live: null })];
    expect(livenessOf(faces)).toBeCloseTo((0.8 + 0.6) / 2, 10);
    const mean = meanDescriptor(faces);
    expect(mean).toHaveLength(faceDescriptorLength);
    expect(mean[0]).toBeCloseTo(0.2, 10);
    expect(mean[1]).toBeCloseTo(0.21, 10);
    expect(livenessOf([face({ real: null, live: null })])).toBeNull();
  });

  it('measures movement as the largest shift of the box centre relative to the face width', () => {
    expect(movementOf(moving)).toBeCloseTo(4 / 240, 10);
    expect(movementOf([face(), face(), face()])).toBe(0);
    expect(movementOf([])).toBe(0);
  });

  it('accepts a moving, live face', () => {
    const summary = summariseCapture(moving);
    expect(summary.isAccepted).toBe(true);
    if (summary.isAccepted) {
      expect(summary.descriptor).toHaveLength(faceDescriptorLength);
      expect(summary.liveness).toBeCloseTo(0.75, 10);
    }
  });

  it('refuses a frozen picture and weak liveness signals', () => {
    expect(summariseCapture([face(), face(), face(), face()])).toMatchObject({ isAccepted: false, problem: 'no-movement' });
    const spoof = moving.map((observation) => ({ ...observation, real: 0.2, live: 0.3 }));
    expect(summariseCapture(spoof)).toMatchObject({ isAccepted: false, problem: 'not-live' });
    expect(summariseCapture(spoof, { ...defaultFaceQualityOptions, minLiveness: 0.2 }).isAccepted).toBe(true);
    expect(summariseCapture(moving.map((observation) => ({ ...observation, real: null, live: null })))).toMatchObject({
      isAccepted: false,
      problem: 'not-live',
    });
    expect(summariseCapture([])).toMatchObject({ isAccepted: false, problem: 'no-face' });
  });

  it('reports the problem seen most often when too few frames were good', () => {
    expect(mostFrequentProblem(['no-face', 'several-faces', 'several-faces', 'too-small'])).toBe('several-faces');
    expect(mostFrequentProblem([])).toBe('no-face');
  });
});
