import {
  checkFaceDescriptor,
  defaultFaceLivenessThreshold,
  defaultFaceMatchThreshold,
  faceMatchThresholdRange,
  faceSimilarity,
  isFaceMatch,
  isValidFaceMatchThreshold,
} from '@domain/biometrics';
import { FingerprintError, type FingerprintModule } from '../../native/fingerprint-uart/driver';
import type { BiometricEnrolments, DeskResult, EnrolmentScope } from '../desk-api/contract';
import { bytesToDescriptor, descriptorToBytes, UnreadableEnrolmentError, type BiometricVault, type CachedEnrolment } from './biometric-vault';

const ok = <T>(value: T): DeskResult<T> => ({ ok: true, value });
const failure = (code: string, message: string): DeskResult<never> => ({ ok: false, error: { code, message } });
const uuid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** The desk restarts to recover (BiometricVault.recoverUnreadable re-pulls the enrolments). */
const unreadable = failure(
  'enrolment-unusable',
  "The enrolment cached on this desk cannot be opened (the desk's biometric key changed). Choose another method now; restart the desk to fetch the enrolments again from the server.",
);

/**
 * The member, their case admitted at this hospital and the verified code an enrolment is made for
 * (issue 13 item 5): the server decides whether they qualify; here they must only be ids.
 */
function enrolmentScope(scope: Partial<Record<keyof EnrolmentScope, unknown>>): DeskResult<EnrolmentScope> {
  const { memberId, caseId, otpChallengeId } = scope;
  if (typeof memberId !== 'string' || !uuid.test(memberId)) return failure('invalid-input', 'Choose a member first.');
  if (typeof caseId !== 'string' || !uuid.test(caseId)) return failure('invalid-input', "Enrol from the patient's case: admit the patient first.");
  if (typeof otpChallengeId !== 'string' || !uuid.test(otpChallengeId))
    return failure('invalid-input', "Enrolling needs a one-time code sent to the family's phone and verified first.");
  return ok({ memberId, caseId, otpChallengeId });
}

/**
 * COVERDESK_FACE_MATCH_THRESHOLD, when it is a sane threshold; otherwise the domain default — and
 * a setting that was given but not used is said (`warn`), since it is a security setting.
 */
export function loadFaceMatchThreshold(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (message) => console.warn(`[desk] ${message}`),
): number {
  const raw = env.COVERDESK_FACE_MATCH_THRESHOLD;
  if (raw === undefined) return defaultFaceMatchThreshold;
  const configured = Number(raw);
  if (isValidFaceMatchThreshold(configured)) return configured;
  warn(
    `COVERDESK_FACE_MATCH_THRESHOLD=${JSON.stringify(raw)} is not a threshold from ${faceMatchThresholdRange.min} to ${faceMatchThresholdRange.max}; using the default ${defaultFaceMatchThreshold}.`,
  );
  return defaultFaceMatchThreshold;
}

export interface BiometricIdentityOptions {
  readonly vault: BiometricVault;
  /** The fingerprint module the device manager holds open, or null when none is ready. */
  readonly reader: () => FingerprintModule | null;
  readonly faceMatchThreshold: number;
  readonly faceLivenessThreshold?: number;
  readonly fingerTimeoutMs?: number;
  /** Sends an enrolment to the server now (never queued: an enrolment must be accepted before it is trusted). */
  readonly enroll: (name: 'enroll-fingerprint' | 'enroll-face', body: Record<string, unknown>) => Promise<DeskResult<{ enrolledAt: string }>>;
  /**
   * Told of every match on an enrolment whose server id this desk knows (issue 13 item 6): the
   * admission that follows carries it as signed evidence (match-evidence.ts). Never told a template.
   */
  readonly onMatch?: (memberId: string, match: { readonly modality: 'fingerprint' | 'face'; readonly enrolmentId: string; readonly score: number }) => void;
}

/**
 * Fingerprint and face, 1:1 against the member's cached enrolment, and enrolment itself.
 *
 * Where biometrics go, by construction: the template comes off the reader into this process and
 * goes only (a) back down to the same reader for an on-module match, (b) to the server in an
 * enrolment command over the desk's authenticated connection, and (c) into the vault, sealed.
 * Face descriptors come from the renderer and go only to the vault and the server. No answer to
 * the renderer carries one (only matched, score, similarity, dates), no error message quotes one,
 * and this code does not log. The desk backend has no other outbound connection.
 */
export class BiometricIdentity {
  private readonly livenessThreshold: number;

  constructor(private readonly options: BiometricIdentityOptions) {
    this.livenessThreshold = options.faceLivenessThreshold ?? defaultFaceLivenessThreshold;
  }

  enrolments(memberId: unknown): DeskResult<BiometricEnrolments> {
    if (typeof memberId !== 'string' || !uuid.test(memberId)) return failure('invalid-input', 'Choose a member first.');
    return ok({ ...this.options.vault.enrolled(memberId), isFingerprintReaderReady: this.options.reader() !== null });
  }

  async verifyFingerprint(memberId: unknown): Promise<DeskResult<{ matched: boolean; score: number | null; detail: string }>> {
    if (typeof memberId !== 'string' || !uuid.test(memberId)) return failure('invalid-input', 'Choose a member first.');
    const reader = this.options.reader();
    if (!reader) return failure('device-unavailable', 'No fingerprint reader is ready at this desk (see the device status). Choose another method.');
    const enrolment = this.readEnrolment(memberId, 'fingerprint');
    if (enrolment instanceof Error) return unreadable;
    if (!enrolment)
      return failure('not-enrolled', 'This member has no fingerprint enrolled on this desk. Enrol it now (needs the server) or choose another method.');
    try {
      const result = await reader.verify1to1(enrolment.plaintext, this.captureOptions());
      if (result.isMatch && enrolment.enrolmentId)
        this.options.onMatch?.(memberId, { modality: 'fingerprint', enrolmentId: enrolment.enrolmentId, score: result.score });
      return ok({
        matched: result.isMatch,
        score: result.score,
        detail: result.isMatch
          ? `The fingerprint matches the finger enrolled on ${enrolment.enrolledAt.slice(0, 10)}.`
          : 'The fingerprint does not match the enrolled finger. Ask the patient to use the enrolled finger, pressed flat, and try again.',
      });
    } catch (error) {
      return this.readerFailure(error);
    } finally {
      enrolment.plaintext.fill(0);
    }
  }

  async enrollFingerprint(scope: Partial<Record<keyof EnrolmentScope, unknown>>): Promise<DeskResult<{ enrolledAt: string }>> {
    const checkedScope = enrolmentScope(scope);
    if (!checkedScope.ok) return checkedScope;
    const { memberId } = checkedScope.value;
    if (this.options.vault.enrolled(memberId).fingerprint)
      return failure('biometric-already-enrolled', 'This member already has a fingerprint enrolled: verify against it instead.');
    const reader = this.options.reader();
    if (!reader) return failure('device-unavailable', 'No fingerprint reader is ready at this desk (see the device status), so a finger cannot be enrolled.');
    let template: Uint8Array;
    try {
      template = (await reader.enroll(this.captureOptions())).template;
    } catch (error) {
      return this.readerFailure(error);
    }
    try {
      const answer = await this.options.enroll('enroll-fingerprint', { ...checkedScope.value, template: Buffer.from(template).toString('base64') });
      if (answer.ok) this.options.vault.store(memberId, 'fingerprint', template, answer.value.enrolledAt);
      return answer;
    } finally {
      template.fill(0);
    }
  }

  verifyFace(
    memberId: unknown,
    descriptor: unknown,
    liveness: unknown,
  ): DeskResult<{ matched: boolean; similarity: number; threshold: number; detail: string }> {
    if (typeof memberId !== 'string' || !uuid.test(memberId)) return failure('invalid-input', 'Choose a member first.');
    const checked = checkFaceDescriptor(descriptor);
    if (!checked.isValid) return failure('invalid-input', checked.message);
    if (typeof liveness !== 'number' || !Number.isFinite(liveness) || liveness < 0 || liveness > 1)
      return failure('invalid-input', 'The liveness score must be a number from 0 to 1.');
    const enrolment = this.readEnrolment(memberId, 'face');
    if (enrolment instanceof Error) return unreadable;
    if (!enrolment) return failure('not-enrolled', 'This member has no face enrolled on this desk. Enrol it now (needs the server) or choose another method.');
    const threshold = this.options.faceMatchThreshold;
    try {
      const enrolled = bytesToDescriptor(enrolment.plaintext);
      if (enrolled.length !== checked.descriptor.length)
        return failure('enrolment-unusable', 'The enrolled face was made by another camera model version and cannot be compared. Choose another method.');
      const similarity = Math.round(faceSimilarity(checked.descriptor, enrolled) * 1000) / 1000;
      enrolled.fill(0);
      if (liveness < this.livenessThreshold) {
        // A photo or a screen held up to the camera: not a match, whatever the similarity.
        return ok({
          matched: false,
          similarity,
          threshold,
          detail:
            'The camera could not confirm a live person (it may be a photo or a screen). Ask the patient to face the camera directly, then capture again.',
        });
      }
      const matched = isFaceMatch(similarity, threshold);
      if (matched && enrolment.enrolmentId) this.options.onMatch?.(memberId, { modality: 'face', enrolmentId: enrolment.enrolmentId, score: similarity });
      return ok({
        matched,
        similarity,
        threshold,
        detail: matched
          ? `The face matches the enrolled face (similarity ${similarity.toFixed(2)}, needed ${threshold.toFixed(2)}).`
          : `The face does not match the enrolled face (similarity ${similarity.toFixed(2)}, needed ${threshold.toFixed(2)}).`,
      });
    } finally {
      enrolment.plaintext.fill(0);
    }
  }

  async enrollFace(scope: Partial<Record<keyof EnrolmentScope, unknown>>, descriptor: unknown): Promise<DeskResult<{ enrolledAt: string }>> {
    const checkedScope = enrolmentScope(scope);
    if (!checkedScope.ok) return checkedScope;
    const { memberId } = checkedScope.value;
    const checked = checkFaceDescriptor(descriptor);
    if (!checked.isValid) return failure('invalid-input', checked.message);
    if (this.options.vault.enrolled(memberId).face)
      return failure('biometric-already-enrolled', 'This member already has a face enrolled: verify against it instead.');
    const answer = await this.options.enroll('enroll-face', { ...checkedScope.value, descriptor: [...checked.descriptor] });
    if (answer.ok) {
      const bytes = descriptorToBytes(checked.descriptor);
      this.options.vault.store(memberId, 'face', bytes, answer.value.enrolledAt);
      bytes.fill(0);
    }
    return answer;
  }

  private readEnrolment(memberId: string, modality: 'fingerprint' | 'face'): CachedEnrolment | null | UnreadableEnrolmentError {
    try {
      return this.options.vault.read(memberId, modality);
    } catch (error) {
      if (error instanceof UnreadableEnrolmentError) return error;
      throw error;
    }
  }

  private captureOptions(): { fingerTimeoutMs?: number } {
    return this.options.fingerTimeoutMs !== undefined ? { fingerTimeoutMs: this.options.fingerTimeoutMs } : {};
  }

  /** Every reader failure is a sentence for the operator (the driver words each confirmation code); nothing else leaks out. */
  private readerFailure(error: unknown): DeskResult<never> {
    if (error instanceof FingerprintError) return failure(`fingerprint-${error.code}`, error.message);
    return failure('fingerprint-reader-error', 'The fingerprint reader failed unexpectedly. Reconnect it and try again, or choose another method.');
  }
}
