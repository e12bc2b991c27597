import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultFaceMatchThreshold } from '@domain/biometrics';
import { BiometricIdentity, loadFaceMatchThreshold } from './biometric-identity';
import { BiometricVault, descriptorToBytes } from './biometric-vault';
import { openReplica } from './database';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const memberId = '00000000-0000-4000-8000-0000000f0011';
const enrolled = Array.from({ length: 1024 }, (_, index) => Math.sin(index + 1));
/** The same face with some noise: similar, not identical. */
const captured = enrolled.map((value, index) => value + 0.4 * Math.cos(index * 3));

function identity(faceMatchThreshold: number): BiometricIdentity {
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-identity-'));
  dirs.push(dir);
  let key: string | null = null;
  const vault = new BiometricVault(
    openReplica(join(dir, 'replica.sqlite')),
    {
      read: () => key,
      write: (secret) => {
        key = secret;
      },
    },
    () => null,
  );
  vault.store(memberId, 'face', descriptorToBytes(enrolled), '2026-11-23T10:00:00.000Z');
  return new BiometricIdentity({ vault, reader: () => null, faceMatchThreshold, enroll: () => Promise.reject(new Error('not in this test')) });
}

describe('face 1:1 at the desk', () => {
  it("the threshold is the desk's setting: the same capture passes a lenient desk and fails a strict one", () => {
    const lenient = identity(0.6);
    const strict = identity(0.95);
    const atLenient = lenient.verifyFace(memberId, captured, 0.9);
    const atStrict = strict.verifyFace(memberId, captured, 0.9);
    expect(atLenient).toMatchObject({ ok: true, value: { matched: true, threshold: 0.6 } });
    expect(atStrict).toMatchObject({ ok: true, value: { matched: false, threshold: 0.95 } });
    expect(atLenient.ok && atStrict.ok && atLenient.value.similarity === atStrict.value.similarity).toBe(true);
  });

  it('refuses malformed input with a sentence, and a reader that is not there', async () => {
    const desk = identity(0.6);
    expect(desk.verifyFace(memberId, enrolled.slice(0, 10), 0.9)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(desk.verifyFace(memberId, enrolled, 7)).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/0 to 1/) } });
    expect(desk.verifyFace('not-a-member', enrolled, 0.9)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await desk.verifyFingerprint(memberId)).toMatchObject({ ok: false, error: { code: 'device-unavailable' } });
  });

  it("an enrolment that no longer opens with the desk's key is a sentence naming what to do, not an internal error", () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-identity-'));
    dirs.push(dir);
    const db = openReplica(join(dir, 'replica.sqlite'));
    let key: string | null = null;
    new BiometricVault(
      db,
      {
        read: () => key,
        write: (secret) => {
          key = secret;
        },
      },
      () => null,
    ).store(memberId, 'face', descriptorToBytes(enrolled), '2026-11-23T10:00:00.000Z');
    key = null; // the key file was lost
    const vault = new BiometricVault(
      db,
      {
        read: () => key,
        write: (secret) => {
          key = secret;
        },
      },
      () => null,
    );
    const desk = new BiometricIdentity({ vault, reader: () => null, faceMatchThreshold: 0.6, enroll: () => Promise.reject(new Error('not in this test')) });
    expect(desk.verifyFace(memberId, captured, 0.9)).toMatchObject({
      ok: false,
      error: { code: 'enrolment-unusable', message: expect.stringMatching(/another method.*restart the desk/) },
    });
  });

  it('COVERDESK_FACE_MATCH_THRESHOLD sets it when sane; anything else keeps the default', () => {
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    expect(loadFaceMatchThreshold({ COVERDESK_FACE_MATCH_THRESHOLD: '0.72' }, warn)).toBe(0.72);
    expect(warnings).toEqual([]);
    for (const value of ['2', '0.01', 'strict', '', '0,7'])
      expect(loadFaceMatchThreshold({ COVERDESK_FACE_MATCH_THRESHOLD: value }, warn)).toBe(defaultFaceMatchThreshold);
    expect(loadFaceMatchThreshold({}, warn)).toBe(defaultFaceMatchThreshold);
    // Each setting given but not used is said, naming the value and the default in force.
    expect(warnings).toHaveLength(5);
    expect(warnings[4]).toMatch(/"0,7".*default 0\.6/);
  });
});
