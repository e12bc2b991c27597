import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { CommandContext, CommandResult } from '../commands/context';
import { chargeOtpSend } from './lookup-limits';
import { requireFamilyInReach } from './reach';

/** One-time-code rules. Defaults follow the scheme's identity policy (10-minute codes, 5 tries). */
export interface OtpPolicy {
  readonly validityMinutes: number;
  readonly maxAttempts: number;
  readonly lockoutMinutes: number;
  /** Minimum time between two codes for the same member. */
  readonly resendSeconds: number;
  /** At most this many codes per member per hour. */
  readonly maxSendsPerHour: number;
}

export const defaultOtpPolicy: OtpPolicy = { validityMinutes: 10, maxAttempts: 5, lockoutMinutes: 30, resendSeconds: 60, maxSendsPerHour: 5 };

function codeHash(context: CommandContext, challengeId: string, code: string): string {
  return createHmac('sha256', context.nationalIdKey).update(`otp:${challengeId}:${code}`).digest('hex');
}

async function lockedUntil(context: CommandContext, memberId: string): Promise<Date | null> {
  const [lock] = await context.sql.query<{ locked_until: Date }>('SELECT locked_until FROM identity_locks WHERE member_id = $1', [memberId]);
  return lock && new Date(lock.locked_until) > context.services.now() ? new Date(lock.locked_until) : null;
}

export async function sendOtp(context: CommandContext, body: CommandBody<'send-otp'>): Promise<CommandResult<'send-otp'>> {
  const policy = context.services.otp;
  const now = context.services.now();
  const [member] = await context.sql.query<{ id: string; family_id: string; registered_phone: string }>(
    'SELECT m.id, m.family_id, f.registered_phone FROM members m JOIN families f ON f.id = m.family_id WHERE m.id = $1',
    [body.memberId],
  );
  if (!member) throw fail('not-found', `There is no scheme member ${body.memberId}.`);
  // Only to a member the desk's hospital serves (issue 13 item 8), and a limited number per operator.
  await requireFamilyInReach(context.sql, context.principal.hospitalId, member.family_id, `member ${body.memberId}`);
  await chargeOtpSend(context.sql, context.principal.operatorId);
  // Serialize code requests per member so two desks cannot both slip under the limits. FOR NO KEY
  // UPDATE, the weakest row lock that excludes another send-otp: it does not conflict with the
  // key-share locks that inserting a case or a patient share for this member takes, so money
  // decisions of the family never wait for it (FOR UPDATE made them queue behind this command).
  await context.sql.query('SELECT id FROM members WHERE id = $1 FOR NO KEY UPDATE', [body.memberId]);
  const locked = await lockedUntil(context, body.memberId);
  if (locked)
    throw reject(
      'identity-locked',
      `Too many wrong codes: one-time codes for this member are locked until ${locked.toISOString()}. Use a supervisor override if treatment cannot wait.`,
      { lockedUntil: locked.toISOString() },
    );
  // A code the gateway failed to deliver does not count: the operator may ask again at once.
  const recent = await context.sql.query<{ created_at: Date }>(
    'SELECT created_at FROM otp_challenges WHERE member_id = $1 AND created_at > $2 AND sms_failed_at IS NULL ORDER BY created_at DESC',
    [body.memberId, new Date(now.getTime() - 3600_000)],
  );
  const last = recent[0];
  if (last) {
    const waitSeconds = Math.ceil(policy.resendSeconds - (now.getTime() - new Date(last.created_at).getTime()) / 1000);
    if (waitSeconds > 0) throw reject('otp-resend-too-soon', `A code was sent moments ago; a new one can be sent in ${waitSeconds} s.`, { waitSeconds });
  }
  if (recent.length >= policy.maxSendsPerHour)
    throw reject(
      'otp-send-limit',
      `${policy.maxSendsPerHour} codes were already sent for this member in the last hour; try again later or use another method.`,
    );
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + policy.validityMinutes * 60_000);
  await context.sql.query(
    'INSERT INTO otp_challenges (id, member_id, code_hash, phone_ending, is_for_relative, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [
      body.challengeId,
      body.memberId,
      codeHash(context, body.challengeId, code),
      member.registered_phone.slice(-4),
      body.isForRelative ?? false,
      context.principal.operatorId,
      now,
      expiresAt,
    ],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'otp-sent',
    entityType: 'member',
    entityId: body.memberId,
    after: { challengeId: body.challengeId, isForRelative: body.isForRelative ?? false },
    commandId: context.commandId,
  });
  // The gateway is called after the commit, holding no lock: a slow or hung gateway delays this
  // answer only. A failure is recorded on the challenge (the code can never be entered, and the
  // resend limits above skip it) instead of undoing the committed request.
  const text = `CoverDesk: the identity code is ${code}. It is valid for ${policy.validityMinutes} minutes. Share it only with the hospital desk.`;
  context.afterCommit(async (db) => {
    try {
      await context.services.sms.send(member.registered_phone, text);
    } catch {
      await db.query('UPDATE otp_challenges SET sms_failed_at = now() WHERE id = $1', [body.challengeId]);
    }
  });
  return { challengeId: body.challengeId, phoneEnding: member.registered_phone.slice(-4), expiresAt: expiresAt.toISOString() };
}

/**
 * Verify a code. Wrong codes are answers (200, verified false), not rejections: the attempt must
 * be recorded, and a rejection would roll it back.
 */
export async function verifyOtp(context: CommandContext, body: CommandBody<'verify-otp'>): Promise<CommandResult<'verify-otp'>> {
  const policy = context.services.otp;
  const now = context.services.now();
  const [challenge] = await context.sql.query<{ member_id: string; code_hash: string; expires_at: Date; attempts: number; verified_at: Date | null }>(
    'SELECT member_id, code_hash, expires_at, attempts, verified_at FROM otp_challenges WHERE id = $1 FOR UPDATE',
    [body.challengeId],
  );
  if (!challenge) throw fail('not-found', `There is no code request ${body.challengeId}.`);
  // Wrong codes are counted per member across all of the member's challenges: two verifications of
  // two challenges at once must not each count without the other's miss. The member row serializes
  // them (the weakest lock that does; send-otp takes the same one, and nothing waits on a network
  // call under it).
  await context.sql.query('SELECT 1 FROM members WHERE id = $1 FOR NO KEY UPDATE', [challenge.member_id]);
  const locked = await lockedUntil(context, challenge.member_id);
  if (locked)
    return {
      verified: false,
      reason: 'locked',
      lockedUntil: locked.toISOString(),
      message: `Locked until ${locked.toISOString()} after too many wrong codes.`,
    };
  if (challenge.verified_at) return { verified: false, reason: 'already-used', message: 'This code was already used; request a new one.' };
  if (new Date(challenge.expires_at) <= now) return { verified: false, reason: 'expired', message: 'This code has expired; request a new one.' };
  if (challenge.attempts >= policy.maxAttempts)
    return { verified: false, reason: 'too-many-attempts', message: 'Too many wrong codes for this request; request a new one.' };
  const expected = Buffer.from(challenge.code_hash, 'hex');
  const actual = Buffer.from(codeHash(context, body.challengeId, body.code), 'hex');
  if (timingSafeEqual(expected, actual)) {
    await context.sql.query('UPDATE otp_challenges SET verified_at = $2 WHERE id = $1', [body.challengeId, now]);
    await appendAudit(context.sql, {
      actorId: context.principal.operatorId,
      action: 'otp-verified',
      entityType: 'member',
      entityId: challenge.member_id,
      after: { challengeId: body.challengeId },
      commandId: context.commandId,
    });
    return { verified: true, memberId: challenge.member_id };
  }
  const attempts = challenge.attempts + 1;
  await context.sql.query('UPDATE otp_challenges SET attempts = $2 WHERE id = $1', [body.challengeId, attempts]);
  // Count wrong codes across this member's recent challenges, so resending cannot reset the count.
  const [wrong] = await context.sql.query<{ total: number }>(
    'SELECT COALESCE(sum(attempts), 0)::int AS total FROM otp_challenges WHERE member_id = $1 AND created_at > $2 AND verified_at IS NULL',
    [challenge.member_id, new Date(now.getTime() - policy.lockoutMinutes * 60_000)],
  );
  if ((wrong?.total ?? attempts) >= policy.maxAttempts) {
    const until = new Date(now.getTime() + policy.lockoutMinutes * 60_000);
    await context.sql.query(
      'INSERT INTO identity_locks (member_id, locked_until, reason) VALUES ($1, $2, $3) ON CONFLICT (member_id) DO UPDATE SET locked_until = excluded.locked_until, reason = excluded.reason',
      [challenge.member_id, until, 'too many wrong one-time codes'],
    );
    await appendAudit(context.sql, {
      actorId: context.principal.operatorId,
      action: 'identity-locked',
      entityType: 'member',
      entityId: challenge.member_id,
      after: { until: until.toISOString() },
      commandId: context.commandId,
    });
    return {
      verified: false,
      reason: 'locked',
      lockedUntil: until.toISOString(),
      message: `Wrong code ${policy.maxAttempts} times: codes for this member are locked until ${until.toISOString()}.`,
    };
  }
  const attemptsLeft = policy.maxAttempts - (wrong?.total ?? attempts);
  return {
    verified: false,
    reason: 'wrong-code',
    attemptsLeft,
    message: `That code is not right; ${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left.`,
  };
}

export async function reviewOverride(context: CommandContext, body: CommandBody<'review-override'>): Promise<CommandResult<'review-override'>> {
  const [override] = await context.sql.query<{ reviewed_at: Date | null }>('SELECT reviewed_at FROM identity_overrides WHERE case_id = $1 FOR UPDATE', [
    body.caseId,
  ]);
  if (!override) throw fail('not-found', `Case ${body.caseId} was not admitted by identity override.`);
  if (override.reviewed_at) throw reject('already-reviewed', 'This override was already reviewed.');
  await context.sql.query('UPDATE identity_overrides SET reviewed_at = $2, reviewed_by = $3, review_note = $4 WHERE case_id = $1', [
    body.caseId,
    context.services.now(),
    context.principal.operatorId,
    body.note,
  ]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'identity-override-reviewed',
    entityType: 'case',
    entityId: body.caseId,
    after: { note: body.note },
    commandId: context.commandId,
  });
  return { caseId: body.caseId, reviewed: true };
}
