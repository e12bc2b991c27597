// What the patient will pay (issue 14): the member's and the family's accumulators and the estimate, online or from the last confirmed copy.
import { uuidPattern } from '@contract/commands';
import type { DeskBenefitsValue } from '@contract/accumulators';
import { balancesOf, estimatePatientPart } from '@domain/patient-estimate';
import type { BenefitsAtDesk, DeskError } from '../../desk-api/contract';
import { usableSigner } from '../operator-key';
import { isDeskBenefits, ServerCallError } from '../server-client';
import { failure, ok, type HandlerModule } from './context';

const uuid = new RegExp(uuidPattern);

const offlineBenefits: DeskError = {
  code: 'offline-unavailable',
  message: 'The server cannot be reached: these are the last figures it confirmed, and the estimate from them is provisional.',
};

/**
 * `benefits.view`. Online, the server's figures (GET /sync/benefits, with the operator's proof),
 * kept in the replica as they came; offline, or when the server refuses the read, that copy with
 * the time the server computed it and the estimate marked provisional. An estimate shown for a
 * case from a copy is remembered, so that once the server's figures are back the desk can say what
 * changed (scenario S5-offline).
 */
export const benefitHandlers: HandlerModule<'benefits.view'> = (desk, { slot, requireMedco }) => {
  const keep = (familyId: string, benefits: DeskBenefitsValue, at: string) =>
    desk.db
      .prepare(
        'INSERT INTO benefit_snapshots (family_id, answer, received_at) VALUES (?, ?, ?) ON CONFLICT (family_id) DO UPDATE SET answer = excluded.answer, received_at = excluded.received_at',
      )
      .run(familyId, JSON.stringify(benefits), at);
  const lastConfirmed = (familyId: string): DeskBenefitsValue | null => {
    const row = desk.db.prepare('SELECT answer FROM benefit_snapshots WHERE family_id = ?').get(familyId) as { answer: string } | undefined;
    if (!row) return null;
    const answer: unknown = JSON.parse(row.answer);
    return isDeskBenefits(answer) ? answer : null;
  };

  /** The server's figures now, or why not. */
  const fromServer = async (memberId: string): Promise<{ benefits: DeskBenefitsValue } | { unavailable: DeskError }> => {
    const client = desk.client();
    const operatorId = slot.session?.operatorId;
    if (!client || !operatorId) return { unavailable: offlineBenefits };
    const usable = usableSigner(slot.signer, new Date());
    if (!usable.ok) return { unavailable: usable.error };
    try {
      return { benefits: await client.benefits(operatorId, memberId, usable.signer.requestProof('benefits', { memberId })) };
    } catch (error) {
      if (!(error instanceof ServerCallError)) throw error;
      if (error.fault.kind === 'unreachable') return { unavailable: offlineBenefits };
      return { unavailable: { code: error.fault.kind === 'refused' ? error.fault.code : 'bad-answer', message: error.fault.message } };
    }
  };

  return {
    'benefits.view': async ({ memberId, caseId, packageCode, amount }) => {
      const refused = requireMedco();
      if (refused) return refused;
      if (typeof memberId !== 'string' || !uuid.test(memberId)) return failure('invalid-input', 'Choose a member first: the member id is not valid.');
      if (caseId !== undefined && (typeof caseId !== 'string' || !uuid.test(caseId))) return failure('invalid-input', 'The case id is not valid.');
      if (amount !== undefined && (!Number.isSafeInteger(amount) || amount < 0))
        return failure('invalid-input', 'The estimated amount is a whole number of minor units, zero or more.', { field: 'amount' });
      const member = desk.reads.member(memberId);
      const familyId = typeof member?.familyId === 'string' ? member.familyId : null;
      if (!familyId) return failure('not-found', 'There is no such member on this desk.');

      // The package whose estimate is asked for: the case's (its request, or the bookings if more), or the one chosen at admission.
      let code: string | null = null;
      let packageAmount: number | null = null;
      let isClosed = false;
      if (caseId !== undefined) {
        const view = desk.reads.caseView(caseId);
        if (!view || view.memberId !== memberId) return failure('not-found', 'There is no such case of this member on this desk.');
        code = view.preauth.packageCode;
        // Discharged or cancelled: no rest of the package is coming, the patient pays what the bookings were charged.
        isClosed = view.status === 'discharged' || view.status === 'cancelled';
        const requested = view.preauth.requestedAmount ?? (code ? (desk.reads.packageView(code)?.price ?? null) : null);
        packageAmount = requested === null ? (view.bookingSum > 0 ? view.bookingSum : null) : Math.max(requested, view.bookingSum);
      } else if (packageCode !== undefined) {
        const chosen = typeof packageCode === 'string' ? desk.reads.packageView(packageCode) : null;
        if (!chosen) return failure('not-found', 'There is no such package on this desk.', { field: 'package' });
        code = chosen.code;
        packageAmount = chosen.isUnspecified ? (amount ?? null) : chosen.price;
      }

      const now = new Date();
      const answered = await fromServer(memberId);
      let benefits: DeskBenefitsValue | null;
      let unavailable: DeskError | null = null;
      if ('benefits' in answered) {
        benefits = answered.benefits;
        keep(familyId, benefits, now.toISOString());
      } else {
        unavailable = answered.unavailable;
        benefits = lastConfirmed(familyId);
      }
      const source: BenefitsAtDesk['source'] = benefits === null ? 'none' : unavailable === null ? 'server' : 'last-confirmed';
      const estimate =
        benefits && packageAmount !== null
          ? estimatePatientPart(benefits, { memberId, caseId: caseId ?? null, packageCode: code, packageAmount, isClosed, now })
          : null;
      let changedFrom: BenefitsAtDesk['changedFrom'] = null;
      if (caseId !== undefined && estimate && benefits) {
        if (source === 'last-confirmed') {
          desk.db
            .prepare(
              'INSERT INTO provisional_estimates (case_id, total, as_of, shown_at) VALUES (?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET total = excluded.total, as_of = excluded.as_of, shown_at = excluded.shown_at',
            )
            .run(caseId, estimate.total, benefits.accumulators.computedAt, now.toISOString());
        } else {
          const shown = desk.db.prepare('SELECT total, as_of AS asOf FROM provisional_estimates WHERE case_id = ?').get(caseId) as
            { total: number; asOf: string } | undefined;
          if (shown && shown.total !== estimate.total) changedFrom = { total: shown.total, asOf: shown.asOf };
        }
      }
      return ok({
        memberId,
        familyId,
        source,
        computedAt: benefits?.accumulators.computedAt ?? null,
        unavailable,
        planId: benefits?.accumulators.planId ?? null,
        hasCostSharing: benefits?.accumulators.hasCostSharing ?? false,
        balances: benefits ? balancesOf(benefits.accumulators.benefitBalance, memberId) : [],
        estimate,
        isProvisional: source !== 'server' && estimate !== null,
        changedFrom,
      } satisfies BenefitsAtDesk);
    },
  };
};
