// Emergencies before identity (issue 19, scenario S6): admit an unidentified patient at once, list
// this desk's emergency cases with the window to identify, merge one into the member. Queued in the
// outbox like every admission, so all three work offline.
import { randomUUID } from 'node:crypto';
import type { EmergencySex, EmergencyView } from '../../desk-api/contract';
import { readMeta, writeMeta } from '../database';
import { failure, keepFamily, ok, type HandlerModule } from './context';
import { identityClaimProblem, signedIdentityEvidence } from './identity-evidence';

type EmergencyChannel = 'emergencies.admit' | 'emergencies.list' | 'emergencies.merge';

const sexes: readonly EmergencySex[] = ['male', 'female', 'other', 'unknown'];
/** The scheme's default window (migration 055): the desk's estimate until a server answer says otherwise. */
const defaultWindowMinutes = 1440;
const windowKey = 'emergency_window_minutes';
const photoBytes = 98_304;

interface EmergencyRow {
  case_id: string;
  sex: EmergencySex;
  approximate_age: number;
  found_at: string;
  has_photo: number;
  admitted_at: string;
  identify_by: string;
  is_identify_by_confirmed: number;
  member_id: string | null;
  merged_at: string | null;
  admit_status: number | null;
  admit_answer: string | null;
  merge_status: number | null;
  merge_answer: string | null;
  merge_command_id: string | null;
}

/** The `result` or the refusal sentence of a stored push answer. */
function answerOf(text: string | null): { result?: Record<string, unknown>; message?: string } {
  if (text === null) return {};
  try {
    const parsed = JSON.parse(text) as { result?: Record<string, unknown>; message?: unknown };
    return { ...(parsed.result ? { result: parsed.result } : {}), ...(typeof parsed.message === 'string' ? { message: parsed.message } : {}) };
  } catch {
    return {};
  }
}

export const emergencyHandlers: HandlerModule<EmergencyChannel> = (desk, { slot, signedOut, requireMedco, queue }) => ({
  'emergencies.admit': async ({ sex, approximateAge, foundAt, photo }) => {
    const refused = requireMedco();
    if (refused) return refused;
    if (!sexes.includes(sex)) return failure('invalid-input', 'Say whether the patient looks male or female (or other, or unknown).');
    if (!Number.isInteger(approximateAge) || approximateAge < 0 || approximateAge > 120)
      return failure('invalid-input', 'Give an approximate age in whole years, 0 to 120.');
    const where = foundAt.trim();
    if (where.length === 0 || where.length > 500)
      return failure('invalid-input', 'Say where and how the patient was found or brought in (at most 500 characters).');
    if (photo && (Buffer.from(photo.base64, 'base64').length > photoBytes || !['image/jpeg', 'image/png'].includes(photo.type)))
      return failure('invalid-input', 'The photo must be a JPEG or PNG of at most 96 KiB: take it again smaller.');
    const caseId = randomUUID();
    const admittedAt = new Date();
    const windowMinutes = Number(readMeta(desk.db, windowKey) ?? defaultWindowMinutes);
    const identifyBy = new Date(admittedAt.getTime() + windowMinutes * 60_000).toISOString();
    const body = { caseId, sex, approximateAge, foundAt: where, admittedAt: admittedAt.toISOString(), ...(photo ? { photo } : {}) };
    const result = queue('admit-emergency', body, (commandId) => {
      desk.db
        .prepare(
          'INSERT INTO emergency_cases (case_id, command_id, sex, approximate_age, found_at, has_photo, admitted_at, identify_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(caseId, commandId, sex, approximateAge, where, photo ? 1 : 0, admittedAt.toISOString(), identifyBy);
    });
    return result.ok ? ok({ caseId, identifyBy }) : result;
  },

  'emergencies.list': async () => {
    const refused = signedOut();
    if (refused) return refused;
    const rows = desk.db
      .prepare(
        // An answered outbox entry is pruned a day after its answer, about when the window ends:
        // pruneAnsweredOutbox keeps the answer on the record first (replica migration 12).
        `SELECT e.*, COALESCE(e.admit_status, a.status) AS admit_status, COALESCE(e.admit_answer, a.answer) AS admit_answer,
                COALESCE(e.merge_status, m.status) AS merge_status, COALESCE(e.merge_answer, m.answer) AS merge_answer
           FROM emergency_cases e LEFT JOIN outbox a ON a.command_id = e.command_id LEFT JOIN outbox m ON m.command_id = e.merge_command_id
          ORDER BY e.merged_at IS NOT NULL, e.identify_by, e.case_id`,
      )
      .all() as EmergencyRow[];
    const now = Date.now();
    const confirm = desk.db.prepare('UPDATE emergency_cases SET identify_by = ?, is_identify_by_confirmed = 1 WHERE case_id = ?');
    const views = rows.map((row): EmergencyView => {
      const admitted = answerOf(row.admit_answer);
      // The server's window replaces the desk's estimate once it answered (kept: answers are pruned after a day).
      let identifyBy = row.identify_by;
      let isConfirmed = row.is_identify_by_confirmed === 1;
      if (!isConfirmed && row.admit_status === 200 && typeof admitted.result?.identifyBy === 'string') {
        identifyBy = admitted.result.identifyBy;
        isConfirmed = true;
        confirm.run(identifyBy, row.case_id);
        if (typeof admitted.result.windowMinutes === 'number') writeMeta(desk.db, windowKey, String(admitted.result.windowMinutes));
      }
      const admitRefused = row.admit_status !== null && row.admit_status !== 200;
      const mergeRefused = row.merge_status !== null && row.merge_status !== 200;
      const isMerged = row.member_id !== null && !mergeRefused;
      const merged = answerOf(row.merge_answer);
      const deadline = Date.parse(identifyBy);
      const mergedAt = isMerged ? (typeof merged.result?.mergedAt === 'string' ? merged.result.mergedAt : row.merged_at) : null;
      return {
        caseId: row.case_id,
        sex: row.sex,
        approximateAge: row.approximate_age,
        foundAt: row.found_at,
        hasPhoto: row.has_photo === 1,
        admittedAt: row.admitted_at,
        identifyBy,
        isIdentifyByConfirmed: isConfirmed,
        remainingMinutes: isMerged ? null : Math.floor((deadline - now) / 60_000),
        isOverdue: isMerged ? mergedAt !== null && Date.parse(mergedAt) > deadline : deadline < now,
        status: isMerged ? 'merged' : 'unidentified',
        sync:
          admitRefused || mergeRefused ? 'refused' : (row.merge_command_id !== null ? row.merge_status : row.admit_status) === 200 ? 'confirmed' : 'pending',
        rejection: admitRefused
          ? (admitted.message ?? 'The server refused this admission.')
          : mergeRefused
            ? (merged.message ?? 'The server refused this merge.')
            : null,
        memberId: isMerged ? row.member_id : null,
        mergedAt,
      };
    });
    return ok(views);
  },

  'emergencies.merge': async ({ caseId, memberId, identityMethod, otpChallengeId, overrideReason, supervisorName, document }) => {
    const refused = requireMedco();
    if (refused) return refused;
    const emergency = desk.db.prepare('SELECT admitted_at, member_id, merge_command_id FROM emergency_cases WHERE case_id = ?').get(caseId) as
      { admitted_at: string; member_id: string | null; merge_command_id: string | null } | undefined;
    if (!emergency) return failure('not-found', 'There is no such emergency case on this desk.');
    const previous = emergency.merge_command_id
      ? (desk.db
          .prepare(
            'SELECT COALESCE(e.merge_status, o.status) AS status FROM emergency_cases e LEFT JOIN outbox o ON o.command_id = e.merge_command_id WHERE e.case_id = ?',
          )
          .get(caseId) as { status: number | null } | undefined)
      : undefined;
    // A merge waiting for the server or confirmed stands; one the server refused may be tried again.
    if (emergency.member_id !== null && (previous === undefined || previous.status === null || previous.status === 200))
      return failure('emergency-already-merged', 'This emergency case is already merged into a member.');
    const member = desk.reads.member(memberId);
    if (!member) return failure('not-found', 'This member is not on this desk; search for them first.');
    const familyId = String(member.familyId);
    const active = desk.reads.family(familyId)?.members.find((m) => m.memberId === memberId)?.activeCase;
    if (active)
      return failure(
        'case-already-active',
        `This patient already has an active case at ${active.hospitalCode}; it must be discharged or cancelled there first.`,
      );
    const problem = identityClaimProblem({ memberId, identityMethod, overrideReason, supervisorName, document });
    if (problem) return problem;
    // The same evidence as an admission, signed for this case and member.
    const now = new Date();
    const evidence = signedIdentityEvidence(slot, caseId, { memberId, identityMethod, document }, now);
    const body = {
      caseId,
      memberId,
      identityMethod,
      ...(otpChallengeId ? { otpChallengeId } : {}),
      ...(overrideReason ? { overrideReason } : {}),
      ...(supervisorName ? { supervisorName } : {}),
      ...(evidence ? { evidence } : {}),
    };
    const mergedAt = now.toISOString();
    const result = queue('merge-emergency-case', body, (commandId) => {
      // The case the desk shows from now on is the member's, admitted when the emergency was.
      keepFamily(desk, familyId, mergedAt);
      desk.db.prepare('INSERT INTO case_admissions (case_id, admitted_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(caseId, emergency.admitted_at);
      desk.db
        .prepare('UPDATE emergency_cases SET member_id = ?, merged_at = ?, merge_command_id = ?, merge_status = NULL, merge_answer = NULL WHERE case_id = ?')
        .run(memberId, mergedAt, commandId, caseId);
      desk.addPending('cases', caseId, caseId, familyId, commandId, {
        id: caseId,
        memberId,
        familyId,
        identityMethod,
        isEmergency: true,
        admittedAt: emergency.admitted_at,
        status: 'admitted',
      });
    });
    return result.ok ? ok({ caseId }) : result;
  },
});
