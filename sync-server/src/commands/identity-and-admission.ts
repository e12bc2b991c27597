import { createHmac, randomUUID } from 'node:crypto';
import type { CommandBody } from '@contract/commands';
import { decideHold } from '@domain/money';
import { admissionTime, policyYearOf } from '@domain/policy-year';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { appendLedger, openAccount, reserveCover } from '../money/family-cover';
import { familyBalance, lockCase, lockPreauth, requireAdmitted } from './case-access';
import { formatMoney, yearParameters, type CommandContext, type CommandResult } from './context';

/**
 * The keyed hash a national id is stored and looked up as. `legacy` is the key that lived in the
 * database before `npm run keys:migrate`: that command hashed each stored hash again under the
 * current key, so lookups do the same (ServerKeys.nationalIdLegacy).
 */
export function nationalIdHash(key: Buffer, nationalId: string, legacy: Buffer | null = null): string {
  const digits = nationalId.replace(/\D/g, '');
  const inner = legacy ? createHmac('sha256', legacy).update(digits).digest('hex') : digits;
  return createHmac('sha256', key).update(inner).digest('hex');
}

// identify-member: src/identity/identify-member.ts (issue 13 items 8 and 12).

export async function admit(context: CommandContext, body: CommandBody<'admit'>): Promise<CommandResult<'admit'>> {
  const hospitalId = context.principal.hospitalId;
  if (hospitalId === null) throw fail('forbidden-role', 'Only a desk operator of a hospital can admit a patient.');
  const [member] = await context.sql.query<{ id: string; family_id: string }>('SELECT id, family_id FROM members WHERE id = $1', [body.memberId]);
  if (!member) throw fail('not-found', `There is no scheme member ${body.memberId}.`);
  const [existingCase] = await context.sql.query<{ id: string }>('SELECT id FROM cases WHERE id = $1', [body.caseId]);
  if (existingCase) throw reject('already-registered', 'A case with this id already exists; generate a new case id for a new admission.');
  const activeElsewhere = async (): Promise<never> => {
    const [active] = await context.sql.query<{ code: string; name: string; admitted_at: Date }>(
      `SELECT h.code, h.name, c.admitted_at FROM cases c JOIN hospitals h ON h.id = c.hospital_id WHERE c.member_id = $1 AND c.status = 'admitted'`,
      [body.memberId],
    );
    throw reject(
      'case-already-active',
      `This patient already has an active case at ${active?.name ?? 'another hospital'} (${active?.code ?? '?'}) since ${active ? new Date(active.admitted_at).toISOString() : '?'}; it must be discharged or cancelled there first.`,
      { hospitalCode: active?.code ?? null },
    );
  };
  if (body.identityMethod === 'override' && (!body.overrideReason || !body.supervisorName)) {
    throw fail('invalid-input', "An identity override needs a written reason (at least 15 characters) and the authorising supervisor's name.");
  }
  // The time the operator admitted the patient (issue 12 item 4), possibly offline hours ago; its
  // policy year is the case's. receivedAt is when the server heard of it.
  const receivedAt = context.services.now();
  const when = admissionTime(body.admittedAt === undefined ? undefined : new Date(body.admittedAt), receivedAt);
  if (!when.ok) {
    throw fail(
      'invalid-input',
      when.reason === 'in-the-future'
        ? `The admission time ${body.admittedAt} is more than 5 minutes ahead of the server's clock (${receivedAt.toISOString()}): check the desk's date and time.`
        : `The admission time ${body.admittedAt} is more than 7 days before the server heard of it: admit the patient again with the current time.`,
      { admittedAt: body.admittedAt, receivedAt: receivedAt.toISOString() },
    );
  }
  const policyYear = policyYearOf(when.admittedAt, context.scheme.time_zone, context.scheme.year_start_month);
  const [known] = await context.sql.query('SELECT 1 FROM policy_year_parameters WHERE policy_year = $1', [policyYear]);
  if (!known) {
    throw fail('invalid-input', `The admission time ${when.admittedAt.toISOString()} falls in policy year ${policyYear}, which this scheme has no cover for.`, {
      policyYear,
    });
  }
  const [active] = await context.sql.query<{ id: string }>("SELECT id FROM cases WHERE member_id = $1 AND status = 'admitted'", [body.memberId]);
  if (active) return activeElsewhere();
  if (body.identityMethod === 'otp') {
    // A one-time code proves identity only if it was verified for this member, recently, and not used before.
    const [challenge] = body.otpChallengeId
      ? await context.sql.query<{ member_id: string; verified_at: Date | null; used_by_case: string | null }>(
          'SELECT member_id, verified_at, used_by_case FROM otp_challenges WHERE id = $1 FOR UPDATE',
          [body.otpChallengeId],
        )
      : [];
    const isFresh = challenge?.verified_at && context.services.now().getTime() - new Date(challenge.verified_at).getTime() < 30 * 60_000;
    if (!challenge || challenge.member_id !== body.memberId || !isFresh || challenge.used_by_case) {
      throw reject(
        'identity-not-proven',
        'Admission by one-time code needs a code verified for this patient in the last 30 minutes; verify a code or use another method.',
      );
    }
    await context.sql.query('UPDATE otp_challenges SET used_by_case = $2 WHERE id = $1', [body.otpChallengeId!, body.caseId]);
  }
  // Two desks admitting the same member at once: the partial unique index lets only one win. The
  // loser's INSERT waits for the winner's commit and then inserts nothing (ON CONFLICT on that
  // index) instead of raising: a raised unique violation would abort this transaction, and the
  // refusal below needs one more read to name the hospital (that read answered 500 before).
  const inserted = await context.sql.query(
    `INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, is_emergency, admitted_by, admitted_at, received_at, policy_year)
     VALUES ($1, $2, $3, $4, 'admitted', $5, $6, $7, $8, $9, $10)
     ON CONFLICT (member_id) WHERE status = 'admitted' DO NOTHING RETURNING id`,
    [
      body.caseId,
      member.id,
      member.family_id,
      hospitalId,
      body.identityMethod,
      body.isEmergency ?? false,
      context.principal.operatorId,
      when.admittedAt,
      receivedAt,
      policyYear,
    ],
  );
  if (inserted.length === 0) return activeElsewhere();
  // Identity not proven by the patient's body or phone goes to the review queue: an override
  // (unconscious patient, supervisor named) and an admission on a document alone (issue 12 item 23).
  const review = identityReview(body) ?? yearReview(policyYear, context.scheme.policy_year);
  if (review) {
    await context.sql.defer(
      'INSERT INTO identity_overrides (case_id, member_id, hospital_id, reason, supervisor_name, created_by, method) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [body.caseId, member.id, hospitalId, review.reason, review.supervisorName, context.principal.operatorId, review.method],
    );
  }
  // Touch the family so its replicated summary (active cases at every hospital) reaches desks.
  await context.sql.defer('UPDATE families SET updated_at = now() WHERE id = $1', [member.family_id]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'case-admitted',
    entityType: 'case',
    entityId: body.caseId,
    after: {
      memberId: member.id,
      hospitalId,
      identityMethod: body.identityMethod,
      admittedAt: when.admittedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      policyYear,
    },
    commandId: context.commandId,
  });
  return {
    caseId: body.caseId,
    status: 'admitted',
    familyId: member.family_id,
    identityMethod: body.identityMethod,
    flaggedForReview: review !== null,
    admittedAt: when.admittedAt.toISOString(),
    policyYear,
  };
}

/**
 * An admission stamped in a closed policy year draws on that year's cover: legitimate for a desk
 * that was offline over the new year, and exactly what a backdated admission would do to use a
 * spent family's old cover. It stands, and goes to the review queue.
 */
function yearReview(policyYear: number, openYear: number): { method: 'closed-year'; reason: string; supervisorName: null } | null {
  if (policyYear >= openYear) return null;
  return {
    method: 'closed-year',
    reason: `Admitted at a time in policy year ${policyYear}, after the scheme moved to ${openYear}: the case draws on ${policyYear}'s cover.`,
    supervisorName: null,
  };
}

/** What the identity review queue records for an admission, or null when identity was proven. */
function identityReview(body: CommandBody<'admit'>): { method: 'override' | 'document'; reason: string; supervisorName: string | null } | null {
  switch (body.identityMethod) {
    case 'override':
      return { method: 'override', reason: body.overrideReason ?? '', supervisorName: body.supervisorName ?? null };
    case 'document':
      return {
        method: 'document',
        reason: "Admitted on a document alone: no fingerprint, face or one-time code proved this patient's identity.",
        supervisorName: null,
      };
    default:
      return null;
  }
}

interface PackageRow {
  code: string;
  name: string;
  specialty: string;
  is_unspecified: boolean;
  version: number;
  price: number;
}

export async function currentPackage(context: CommandContext, code: string): Promise<PackageRow> {
  const [row] = await context.sql.query<PackageRow>(
    `SELECT p.code, p.name, p.specialty, p.is_unspecified, pp.version, pp.price
       FROM packages p JOIN package_prices pp ON pp.package_code = p.code
      WHERE p.code = $1 ORDER BY pp.version DESC LIMIT 1`,
    [code],
  );
  if (!row) throw fail('not-found', `There is no package ${code} in the catalogue.`);
  return row;
}

export async function requestPreauth(context: CommandContext, body: CommandBody<'request-preauth'>): Promise<CommandResult<'request-preauth'>> {
  const caseRow = await lockCase(context, body.caseId);
  const treatmentPackage = await currentPackage(context, body.packageCode);
  if (treatmentPackage.is_unspecified && body.estimatedAmount === undefined) {
    throw fail('invalid-input', `${treatmentPackage.code} is an unspecified package: give the estimated amount (estimatedAmount).`);
  }
  if (!treatmentPackage.is_unspecified && body.estimatedAmount !== undefined) {
    throw fail('invalid-input', `${treatmentPackage.code} has a catalogue price; estimatedAmount is only for unspecified packages.`);
  }
  requireAdmitted(caseRow);
  const [already] = await context.sql.query('SELECT 1 FROM preauths WHERE case_id = $1', [caseRow.id]);
  if (already) throw reject('preauth-already-requested', 'A pre-authorization was already requested for this case; ask for an enhancement instead.');
  const requested = body.estimatedAmount ?? treatmentPackage.price;
  const allowPartial = (await yearParameters(context.sql, caseRow.policy_year)).shortfall_policy === 'partial-hold';
  // The hold: one conditional statement on the family's account of the case's policy year decides
  // how much of the request the cover can take, atomically against every other desk and server.
  await openAccount(context.sql, caseRow.family_id, caseRow.policy_year);
  const grant = await reserveCover(context.sql, caseRow.family_id, caseRow.policy_year, requested, allowPartial);
  if (!grant) {
    const balance = await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year);
    const decision = decideHold(requested, balance.available, 'refuse');
    throw reject(
      'insufficient-cover',
      `The family has ${formatMoney(context, balance.available)} available, less than the ${formatMoney(context, requested)} requested, and the scheme refuses partial holds.`,
      { available: balance.available, requested, decision: typeof decision === 'string' ? decision : 'granted' },
    );
  }
  const shortfall = requested - grant.granted;
  const holdId = randomUUID();
  await context.sql.defer(
    "INSERT INTO holds (id, case_id, family_id, policy_year, amount, consumed, authorized, package_code, package_version, status) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, 'active')",
    [holdId, caseRow.id, caseRow.family_id, caseRow.policy_year, grant.granted, requested, treatmentPackage.code, treatmentPackage.version],
  );
  const status = treatmentPackage.is_unspecified ? 'committee-review' : 'pending';
  await context.sql.defer(
    `INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, status, clinical_note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [randomUUID(), caseRow.id, treatmentPackage.code, treatmentPackage.version, treatmentPackage.price, requested, status, body.clinicalNote ?? null],
  );
  await appendLedger(context.sql, {
    familyId: caseRow.family_id,
    policyYear: caseRow.policy_year,
    caseId: caseRow.id,
    component: 'hold',
    delta: grant.granted,
    reason: 'preauth-hold',
    commandId: context.commandId,
  });
  // The shortfall is an estimate, stated in the answer and kept on the hold (authorized − amount);
  // the patient owes only what bookings leave uncovered (booking-shortfall shares, migration 011).
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'preauth-requested',
    entityType: 'case',
    entityId: caseRow.id,
    before: { committed: grant.committed - grant.granted },
    after: {
      holdId,
      packageCode: treatmentPackage.code,
      packageVersion: treatmentPackage.version,
      requested,
      hold: grant.granted,
      shortfall,
      committed: grant.committed,
    },
    commandId: context.commandId,
  });
  return {
    caseId: caseRow.id,
    preauthStatus: status,
    packageCode: treatmentPackage.code,
    packageVersion: treatmentPackage.version,
    requestedAmount: requested,
    holdId,
    holdAmount: grant.granted,
    shortfall,
    summary: holdSummary(context, requested, grant.granted),
    family: { cover: grant.cover, committed: grant.committed, available: grant.cover - grant.committed },
  };
}

/**
 * The hold a pre-auth placed, in the desk's words. A hold of nothing (cover used up) is not an
 * error: the request still goes to the reviewer, and a later approval holds what has freed up.
 */
export function holdSummary(context: CommandContext, requested: number, held: number): string {
  if (held === requested) return `${formatMoney(context, held)} is held on the family's cover.`;
  const short = formatMoney(context, requested - held);
  if (held === 0)
    return `Nothing could be held: the family's cover is used up. The request waits for its decision; ${short} would be the patient's shortfall unless cover frees up before then.`;
  return `${formatMoney(context, held)} is held, all the cover had left; ${short} would be the patient's shortfall unless cover frees up before the decision.`;
}

export async function respondQuery(context: CommandContext, body: CommandBody<'respond-query'>): Promise<CommandResult<'respond-query'>> {
  const caseRow = await lockCase(context, body.caseId);
  // A discharged or cancelled case takes no more decisions (issue 24 item 14).
  requireAdmitted(caseRow);
  const preauth = await lockPreauth(context.sql, caseRow.id);
  if (!preauth) throw reject('preauth-not-requested', 'No pre-authorization was requested for this case.');
  if (preauth.status !== 'queried') throw reject('preauth-not-pending', `The pre-authorization is ${preauth.status}, not queried; there is nothing to answer.`);
  await context.sql.query("UPDATE preauths SET status = 'pending', query_response = $2 WHERE id = $1", [preauth.id, body.response]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'preauth-query-answered',
    entityType: 'case',
    entityId: caseRow.id,
    before: { status: 'queried' },
    after: { status: 'pending' },
    commandId: context.commandId,
  });
  return { caseId: caseRow.id, preauthStatus: 'pending' };
}
