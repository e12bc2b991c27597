import type { CashDrawerValue, PatientBillValue, PatientReceivablesValue, PaymentReceiptValue, SecondaryClaimsReportValue } from '@contract/settlement';
import { agingBuckets } from '@contract/settlement';
import type { PatientChargeKind } from '@domain/patient-account';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Database, Sql } from '../db/database';
import { accountTotals } from '../money/patient-payments';
import { balanceOf, type SecondaryBalanceRow } from '../money/secondary-remittances';

/**
 * The settlement reads (issue 14): a case's patient bill, an operator's cash drawer for a shift,
 * and the patients' receivables. Each is one REPEATABLE READ snapshot, so its parts agree.
 */
async function snapshot<T>(db: Database, work: (sql: Sql) => Promise<T>): Promise<T> {
  return db.transaction(async (sql) => {
    await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return work(sql);
  });
}

interface PaymentRow {
  id: string;
  case_id: string;
  direction: 'payment' | 'refund';
  method: 'cash' | 'card' | 'upi' | 'secondary';
  amount: number;
  reference: string | null;
  secondary_payer: 'serious-illness-fund' | 'commercial-top-up' | null;
  receipt_number: string;
  operator_id: string;
  taken_at: Date;
  received_at: Date;
}
const paymentColumns = 'id, case_id, direction, method, amount, reference, secondary_payer, receipt_number, operator_id, taken_at, received_at';

function receiptOf(row: PaymentRow): PaymentReceiptValue {
  return {
    paymentId: row.id,
    caseId: row.case_id,
    receiptNumber: row.receipt_number,
    direction: row.direction,
    method: row.method,
    amount: row.amount,
    reference: row.reference,
    secondaryPayer: row.secondary_payer,
    operatorId: row.operator_id,
    takenAt: new Date(row.taken_at).toISOString(),
    receivedAt: new Date(row.received_at).toISOString(),
  };
}

/** The itemised bill: each booking with the plan's and the patient's part (the patient's from the account, its one source). */
export async function patientBill(db: Database, principal: Principal, caseId: string): Promise<PatientBillValue> {
  return snapshot(db, async (sql) => {
    const [row] = await sql.query<{
      id: string;
      status: string;
      hospital_id: string;
      hospital_code: string;
      hospital_name: string;
      member_id: string;
      full_name: string;
      scheme_member_id: string;
      package_code: string | null;
      admitted_at: Date;
      discharged_at: Date | null;
      currency: string;
      locale: string;
      minor_per_unit: number;
    }>(
      `SELECT c.id, c.status, c.hospital_id, h.code AS hospital_code, h.name AS hospital_name, c.member_id, m.full_name, m.scheme_member_id,
              (SELECT p.package_code FROM preauths p WHERE p.case_id = c.id) AS package_code, c.admitted_at, c.discharged_at,
              s.currency, s.locale, s.minor_per_unit
         FROM cases c JOIN hospitals h ON h.id = c.hospital_id JOIN members m ON m.id = c.member_id
         JOIN families f ON f.id = c.family_id JOIN schemes s ON s.id = f.scheme_id
        WHERE c.id = $1`,
      [caseId],
    );
    if (!row || (principal.hospitalId !== null && principal.hospitalId !== row.hospital_id))
      throw fail('not-found', `There is no case ${caseId} at your hospital.`);
    const bookings = await sql.query<{
      id: string;
      item_code: string;
      description: string;
      quantity: number;
      unit_price: number;
      amount: number;
      status: 'active' | 'voided';
      created_at: Date;
      patient_part: number;
      cpd_decision: 'full' | 'partial' | 'deny' | null;
      approved_amount: number | null;
    }>(
      `SELECT b.id, b.item_code, b.description, b.quantity, b.unit_price, b.amount, b.status, b.created_at,
              COALESCE((SELECT sum(p.amount) FROM patient_charges p WHERE p.booking_id = b.id), 0)::bigint AS patient_part,
              l.cpd_decision, l.approved_amount
         FROM bookings b
         LEFT JOIN claims c ON c.case_id = b.case_id
         LEFT JOIN claim_lines l ON l.claim_id = c.id AND l.booking_id = b.id AND l.cpd_decision IS NOT NULL
        WHERE b.case_id = $1 ORDER BY b.seq`,
      [caseId],
    );
    const lines = bookings.map((b) => {
      const isActive = b.status === 'active';
      const patientPart = isActive ? b.patient_part : 0;
      // After CPD's decision the plan pays what it approved (0 on a denied line), not the amount
      // less the patient's part; the rest is the hospital's, never the patient's
      // (money/claim-adjustment.ts: a denial reverses the patient's part, a cut leaves it).
      const planPart = !isActive ? 0 : b.cpd_decision !== null && b.approved_amount !== null ? b.approved_amount : b.amount - patientPart;
      return {
        bookingId: b.id,
        itemCode: b.item_code,
        description: b.description,
        quantity: b.quantity,
        unitPrice: b.unit_price,
        amount: b.amount,
        planPart,
        patientPart,
        writtenOff: isActive ? b.amount - planPart - patientPart : 0,
        claimDecision: b.cpd_decision,
        status: b.status,
        bookedAt: new Date(b.created_at).toISOString(),
      };
    });
    const active = lines.filter((l) => l.status === 'active');
    const charges = await sql.query<{ kind: PatientChargeKind; amount: number }>(
      'SELECT kind, sum(amount)::bigint AS amount FROM patient_charges WHERE case_id = $1 GROUP BY kind HAVING sum(amount) <> 0 ORDER BY kind',
      [caseId],
    );
    const [account] = await sql.query<{ charged: number; paid: number; refunded: number; secondary: number }>(
      'SELECT charged, paid, refunded, secondary FROM patient_accounts WHERE case_id = $1',
      [caseId],
    );
    const payments = await sql.query<PaymentRow>(`SELECT ${paymentColumns} FROM patient_payments WHERE case_id = $1 ORDER BY received_at, receipt_number`, [
      caseId,
    ]);
    const secondary = await sql.query<{
      id: string;
      payer: 'serious-illness-fund' | 'commercial-top-up';
      member_reference: string;
      amount: number;
      status: 'submitted' | 'accepted' | 'partial' | 'rejected' | 'withdrawn';
      accepted_amount: number | null;
      withdrawn_amount: number;
      refund_due: number;
      submitted_at: Date;
    }>(
      // What reversals took off each claim (migration 043): withdrawn before its decision, owed
      // back to its payer after it.
      `SELECT s.id, s.payer, s.member_reference, s.amount,
              CASE WHEN NOT t.is_decided AND t.open_amount = 0 THEN 'withdrawn' ELSE COALESCE(d.decision, s.status) END AS status,
              d.accepted_amount, t.withdrawn AS withdrawn_amount, t.refund_due, s.submitted_at
         FROM secondary_claims s JOIN secondary_claim_standing t ON t.claim_id = s.id LEFT JOIN secondary_claim_decisions d ON d.claim_id = s.id
        WHERE s.case_id = $1 ORDER BY s.submitted_at, s.id`,
      [caseId],
    );
    return {
      caseId: row.id,
      caseStatus: row.status,
      hospitalCode: row.hospital_code,
      hospitalName: row.hospital_name,
      memberId: row.member_id,
      memberName: row.full_name,
      schemeMemberId: row.scheme_member_id,
      packageCode: row.package_code,
      admittedAt: new Date(row.admitted_at).toISOString(),
      dischargedAt: row.discharged_at ? new Date(row.discharged_at).toISOString() : null,
      currency: row.currency,
      locale: row.locale,
      minorPerUnit: row.minor_per_unit,
      lines,
      totals: {
        amount: active.reduce((sum, l) => sum + l.amount, 0),
        planPart: active.reduce((sum, l) => sum + l.planPart, 0),
        patientPart: active.reduce((sum, l) => sum + l.patientPart, 0),
        writtenOff: active.reduce((sum, l) => sum + l.writtenOff, 0),
      },
      charges: charges.map((c) => ({ kind: c.kind, amount: c.amount })),
      account: accountTotals(account ?? null),
      payments: payments.map(receiptOf),
      secondaryClaims: secondary.map((s) => ({
        claimId: s.id,
        payer: s.payer,
        memberReference: s.member_reference,
        amount: s.amount,
        status: s.status,
        acceptedAmount: s.accepted_amount,
        withdrawnAmount: s.withdrawn_amount,
        refundDue: s.refund_due,
        submittedAt: new Date(s.submitted_at).toISOString(),
      })),
      computedAt: new Date().toISOString(),
    };
  });
}

/**
 * One operator's drawer for one shift: what they took and gave back, by method, counted by the
 * time they took it (cash taken offline counts in the shift it was taken, whenever it synced).
 * An operator sees their own drawer; HA and ACO any operator's.
 */
export async function cashDrawer(db: Database, principal: Principal, operatorId: string, from: Date, to: Date): Promise<CashDrawerValue> {
  const isSupervisor = principal.roles.some((role) => role === 'HA' || role === 'ACO');
  if (!isSupervisor && operatorId !== principal.operatorId) throw fail('forbidden-role', "Only HA and ACO see another operator's cash drawer.");
  if (!(from < to)) throw fail('invalid-input', `The shift must end after it starts (from ${from.toISOString()}, to ${to.toISOString()}).`);
  if (to.getTime() - from.getTime() > 31 * 86_400_000) throw fail('invalid-input', 'A shift is at most 31 days long: ask for a shorter window.');
  return snapshot(db, async (sql) => {
    const rows = await sql.query<PaymentRow>(
      `SELECT ${paymentColumns} FROM patient_payments WHERE operator_id = $1 AND taken_at >= $2 AND taken_at < $3 ORDER BY taken_at, receipt_number`,
      [operatorId, from, to],
    );
    const methods = (['cash', 'card', 'upi', 'secondary'] as const).map((method) => {
      const of = rows.filter((r) => r.method === method);
      const taken = of.filter((r) => r.direction === 'payment').reduce((sum, r) => sum + r.amount, 0);
      const givenBack = of.filter((r) => r.direction === 'refund').reduce((sum, r) => sum + r.amount, 0);
      return {
        method,
        payments: of.filter((r) => r.direction === 'payment').length,
        taken,
        refunds: of.filter((r) => r.direction === 'refund').length,
        givenBack,
        net: taken - givenBack,
      };
    });
    const cash = methods.find((m) => m.method === 'cash')!;
    return {
      operatorId,
      from: from.toISOString(),
      to: to.toISOString(),
      methods,
      cash: { taken: cash.taken, givenBack: cash.givenBack, net: cash.net },
      receipts: rows.map(receiptOf),
      computedAt: new Date().toISOString(),
    };
  });
}

export function agingBucketOf(ageDays: number): (typeof agingBuckets)[number] {
  return ageDays <= 30 ? '0-30' : ageDays <= 60 ? '31-60' : ageDays <= 90 ? '61-90' : '90+';
}

/**
 * Open patient balances, aged from discharge (from admission while the patient is still in):
 * the revenue-cycle reports' patient receivables. A desk operator sees their hospital's.
 */
export async function patientReceivables(db: Database, principal: Principal, asOf: Date): Promise<PatientReceivablesValue> {
  return snapshot(db, async (sql) => {
    const rows = await sql.query<{
      case_id: string;
      hospital_code: string;
      member_id: string;
      status: string;
      since: Date;
      charged: number;
      paid: number;
      refunded: number;
      secondary: number;
    }>(
      `SELECT a.case_id, h.code AS hospital_code, c.member_id, c.status, COALESCE(c.discharged_at, c.admitted_at) AS since, a.charged, a.paid, a.refunded, a.secondary
         FROM patient_accounts a JOIN cases c ON c.id = a.case_id JOIN hospitals h ON h.id = a.hospital_id
        WHERE a.charged - (a.paid - a.refunded) - a.secondary > 0 AND ($1::uuid IS NULL OR a.hospital_id = $1)
        ORDER BY since, a.case_id`,
      [principal.hospitalId],
    );
    const [secondary] = await sql.query<{ total: number; refunds: number }>(
      // Undecided claims as they stand (net of what reversals withdrew, migration 043); decided ones
      // by what their payer still owes, or what goes back to it, after its remittances (051).
      `SELECT COALESCE(sum(CASE WHEN b.is_decided THEN b.payer_owes ELSE t.standing END), 0)::bigint AS total,
              COALESCE(sum(b.refund_owed), 0)::bigint AS refunds
         FROM secondary_claim_standing t JOIN secondary_claim_balance b ON b.claim_id = t.claim_id JOIN cases c ON c.id = t.case_id
        WHERE $1::uuid IS NULL OR c.hospital_id = $1`,
      [principal.hospitalId],
    );
    const items = rows.map((r) => {
      const ageDays = Math.max(0, Math.floor((asOf.getTime() - new Date(r.since).getTime()) / 86_400_000));
      return {
        caseId: r.case_id,
        hospitalCode: r.hospital_code,
        memberId: r.member_id,
        caseStatus: r.status,
        since: new Date(r.since).toISOString(),
        ageDays,
        bucket: agingBucketOf(ageDays),
        account: accountTotals(r),
      };
    });
    const buckets = agingBuckets.map((bucket) => {
      const of = items.filter((i) => i.bucket === bucket);
      return { bucket, cases: of.length, owed: of.reduce((sum, i) => sum + i.account.owed, 0) };
    });
    return {
      asOf: asOf.toISOString(),
      items,
      buckets,
      totalOwed: items.reduce((sum, i) => sum + i.account.owed, 0),
      secondaryOutstanding: secondary?.total ?? 0,
      secondaryRefundsOwed: secondary?.refunds ?? 0,
    };
  });
}

/**
 * The payer side's worklist of coordination-of-benefits claims (issue 14, migrations 040, 043,
 * 051): each claim with its decision and where its money stands. `open` (the default) keeps the
 * claims that still need something: a decision, money from the payer, or a refund to it.
 */
export async function secondaryClaimsReport(db: Database, state: 'open' | 'all'): Promise<SecondaryClaimsReportValue> {
  return snapshot(db, async (sql) => {
    const rows = await sql.query<
      SecondaryBalanceRow & {
        id: string;
        case_id: string;
        hospital_code: string;
        payer: 'serious-illness-fund' | 'commercial-top-up';
        member_reference: string;
        status: 'submitted' | 'accepted' | 'partial' | 'rejected' | 'withdrawn';
        amount: number;
        accepted_amount: number | null;
        submitted_at: Date;
      }
    >(
      `SELECT s.id, s.case_id, h.code AS hospital_code, s.payer, s.member_reference,
              CASE WHEN NOT t.is_decided AND t.open_amount = 0 THEN 'withdrawn' ELSE COALESCE(d.decision, s.status) END AS status,
              t.open_amount AS amount, d.accepted_amount, s.submitted_at,
              b.owed_total, b.remitted, b.refunded, b.payer_owes, b.refund_owed
         FROM secondary_claims s
         JOIN secondary_claim_standing t ON t.claim_id = s.id
         JOIN secondary_claim_balance b ON b.claim_id = s.id
         JOIN cases c ON c.id = s.case_id JOIN hospitals h ON h.id = c.hospital_id
         LEFT JOIN secondary_claim_decisions d ON d.claim_id = s.id
        WHERE $1 = 'all' OR (NOT t.is_decided AND t.open_amount > 0) OR b.payer_owes > 0 OR b.refund_owed > 0
        ORDER BY s.submitted_at, s.id`,
      [state],
    );
    const movements = await sql.query<{
      claim_id: string;
      kind: 'remittance' | 'refund';
      amount: number;
      reference: string;
      value_date: string;
      recorded_at: Date;
    }>(
      `SELECT r.claim_id, r.kind, r.amount, r.reference, to_char(r.value_date, 'YYYY-MM-DD') AS value_date, r.recorded_at
         FROM secondary_claim_remittances r WHERE r.claim_id = ANY($1::uuid[]) ORDER BY r.recorded_at, r.id`,
      [rows.map((r) => r.id)],
    );
    const items = rows.map((r) => ({
      claimId: r.id,
      caseId: r.case_id,
      hospitalCode: r.hospital_code,
      payer: r.payer,
      memberReference: r.member_reference,
      status: r.status,
      amount: r.amount,
      acceptedAmount: r.accepted_amount,
      balance: balanceOf(r),
      movements: movements
        .filter((m) => m.claim_id === r.id)
        .map((m) => ({
          movement: m.kind,
          amount: m.amount,
          reference: m.reference,
          valueDate: m.value_date,
          recordedAt: new Date(m.recorded_at).toISOString(),
        })),
      submittedAt: new Date(r.submitted_at).toISOString(),
    }));
    const sum = (of: (i: (typeof items)[number]) => number) => items.reduce((total, i) => total + of(i), 0);
    return {
      items,
      totals: {
        claims: items.length,
        payerOwes: sum((i) => i.balance.payerOwes),
        refundOwed: sum((i) => i.balance.refundOwed),
        remitted: sum((i) => i.balance.remitted),
        refunded: sum((i) => i.balance.refunded),
      },
      computedAt: new Date().toISOString(),
    };
  });
}
