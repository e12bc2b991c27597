/**
 * ACO batches approved claims per hospital into one payment. Pure helpers: the batches, and the
 * split the server will apply (the same domain function the server uses, so the preview and the
 * payment agree to the paisa). The server decides; this only shows what it will do.
 */
import type { PaymentReconciliationValue } from '@contract/reads';
import { splitPayment } from '@domain/money';
import type { ReviewClaim } from '../claims/claim-review';
import { byTimeLeft, type TimeLeft } from '../app/waiting';

export interface HospitalBatch {
  readonly hospitalId: string;
  readonly hospitalCode: string;
  readonly hospitalName: string;
  readonly claims: readonly ReviewClaim[];
}

/** Approved, unpaid claims by hospital (hospital code order), oldest verification first. */
export function approvedBatches(claims: readonly ReviewClaim[]): HospitalBatch[] {
  const byHospital = new Map<string, ReviewClaim[]>();
  for (const claim of claims) {
    if (claim.status !== 'approved') continue;
    byHospital.set(claim.hospitalId, [...(byHospital.get(claim.hospitalId) ?? []), claim]);
  }
  return [...byHospital.values()]
    .map((list) => {
      const sorted = [...list].sort((a, b) => (a.verifiedAt ?? '').localeCompare(b.verifiedAt ?? '') || a.id.localeCompare(b.id));
      const first = sorted[0]!;
      return { hospitalId: first.hospitalId, hospitalCode: first.hospitalCode, hospitalName: first.hospitalName, claims: sorted };
    })
    .sort((a, b) => a.hospitalCode.localeCompare(b.hospitalCode));
}

/**
 * ACO's queue order (issue 15): in each batch, emergency claims first, then least time left
 * against the payment stage's service level; the batches in the order of their most urgent claim
 * (then hospital code), so the batch holding the claim most past due is at the top.
 */
export function batchesByTimeLeft(batches: readonly HospitalBatch[], leftOf: (claim: ReviewClaim) => TimeLeft | null): HospitalBatch[] {
  const since = (claim: ReviewClaim) => claim.verifiedAt ?? claim.submittedAt;
  const ordered = batches.map((batch) => ({
    ...batch,
    claims: byTimeLeft(batch.claims, { left: leftOf, isEmergency: (claim) => claim.isEmergency, since, key: (claim) => claim.id }).map((t) => t.item),
  }));
  return byTimeLeft(ordered, {
    left: (batch) => leftOf(batch.claims[0]!),
    isEmergency: (batch) => batch.claims[0]!.isEmergency,
    since: (batch) => since(batch.claims[0]!),
    key: (batch) => batch.hospitalCode,
  }).map((t) => t.item);
}

export interface BatchPreview {
  readonly amount: number;
  readonly governmentAmount: number;
  readonly insurerAmount: number;
  readonly deductions: number;
  readonly netPaid: number;
}

/** What a payment of these claims with these deductions comes to; null when the deductions exceed it. */
export function previewBatch(claims: readonly ReviewClaim[], governmentShareBp: number, deductions: number): BatchPreview | null {
  const amount = claims.reduce((sum, claim) => sum + (claim.approvedAmount ?? 0), 0);
  if (deductions > amount) return null;
  const split = splitPayment(amount, governmentShareBp);
  return { amount, governmentAmount: split.government, insurerAmount: split.insurer, deductions, netPaid: amount - deductions };
}

export interface PaidPayment {
  readonly reference: string;
  readonly hospitalCode: string;
  readonly claims: readonly ReviewClaim[];
  readonly approved: number;
}

/** Paid claims grouped by their payment reference, newest reference last in the feed's order. */
export function paidPayments(claims: readonly ReviewClaim[]): PaidPayment[] {
  const byReference = new Map<string, ReviewClaim[]>();
  for (const claim of claims) {
    if (claim.status !== 'paid') continue;
    const reference = claim.paymentReference ?? claim.paymentId ?? 'unknown';
    byReference.set(reference, [...(byReference.get(reference) ?? []), claim]);
  }
  return [...byReference.entries()]
    .map(([reference, list]) => ({
      reference,
      hospitalCode: list[0]!.hospitalCode,
      claims: list,
      approved: list.reduce((sum, claim) => sum + (claim.approvedAmount ?? 0), 0),
    }))
    .sort((a, b) => a.reference.localeCompare(b.reference));
}

/** The reconciliation report as GET /reports/reconciliation sends it (sync-server/contract/reads.ts). */
export type ReconciliationReport = PaymentReconciliationValue;
