import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database';
import { resultOf, type TestServer } from './harness';

/**
 * A one-time code verified for `memberId` by the operator `username`, written as test set-up: the
 * code machinery itself (send, SMS, verify, limits) is tested in identity/otp.test.ts and, end to
 * end for enrolment, in security/enrolment-scope.test.ts. Biometric enrolment needs one (issue 13
 * item 5), and the real path's resend limits (one code a minute per member) would make every
 * enrolling test wait. It is dated as sent more than an hour before it was verified, so it counts
 * against none of those limits when a test also sends real codes.
 */
export async function verifiedCode(db: Database, memberId: string, username: string, verifiedAt: Date = new Date()): Promise<string> {
  const challengeId = randomUUID();
  const inserted = await db.query(
    `INSERT INTO otp_challenges (id, member_id, code_hash, phone_ending, created_by, created_at, expires_at, verified_at)
     SELECT $1, $2, 'test set-up: no code', '0000', o.id, $4::timestamptz - interval '61 minutes', $4, $4 FROM operators o WHERE o.username = $3 RETURNING id`,
    [challengeId, memberId, username, verifiedAt],
  );
  if (inserted.length !== 1) throw new Error(`there is no operator ${username}`);
  return challengeId;
}

/**
 * What a desk does before it may enrol a patient's biometric: identify the patient by a one-time
 * code and admit them at its hospital. The same verified code then backs the enrolment.
 */
export async function admitForEnrolment(
  server: TestServer,
  token: string,
  username: string,
  memberId: string,
  verifiedAt?: Date,
): Promise<{ caseId: string; otpChallengeId: string }> {
  const otpChallengeId = await verifiedCode(server.scratch.db, memberId, username, verifiedAt);
  const caseId = randomUUID();
  resultOf(await server.command(token, 'admit', { caseId, memberId, identityMethod: 'otp', otpChallengeId }));
  return { caseId, otpChallengeId };
}
