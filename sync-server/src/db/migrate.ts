import type { Database } from './database';
import { sql as initial } from './migrations/001-initial';
import { sql as sync } from './migrations/002-sync';
import { sql as deskScope } from './migrations/003-desk-scope';
import { sql as identity } from './migrations/005-identity';
import { sql as changeNotify } from './migrations/006-change-notify';
import { sql as hotPath } from './migrations/004-hot-path';
import { sql as biometrics } from './migrations/007-biometrics';
import { sql as payerConsole } from './migrations/008-payer-console';
import { sql as consoleSchemeChanges } from './migrations/009-console-scheme-changes';
import { sql as notifyAfterCommit } from './migrations/010-notify-after-commit';
import { sql as moneyLifecycle } from './migrations/011-money-lifecycle';
import { sql as schemeTimeZone } from './migrations/012-scheme-time-zone';
import { sql as scopeDepartures } from './migrations/013-scope-departures';
import { sql as keyedRequestHash } from './migrations/014-keyed-request-hash';
import { sql as schemeInTransaction } from './migrations/015-scheme-in-transaction';
import { sql as appendOnlyTruncate } from './migrations/020-append-only-truncate';
import { sql as keysOutsideDatabase } from './migrations/021-keys-outside-database';
import { sql as signInSafety } from './migrations/022-sign-in-safety';
import { sql as policyYears } from './migrations/023-policy-years';
import { sql as releaseStrandedHolds } from './migrations/024-release-stranded-holds';
import { sql as keyedAuditAndRuntimeRole } from './migrations/025-keyed-audit-and-runtime-role';
import { sql as identifyAnswersKeptAsIds } from './migrations/026-identify-answers-kept-as-ids';
import { sql as deskReachAndLookupLimits } from './migrations/027-desk-reach-and-lookup-limits';
import { sql as operatorKeys } from './migrations/028-operator-keys';
import { sql as patientAccount } from './migrations/034-patient-account';
import { sql as patientPayments } from './migrations/036-patient-payments';
import { sql as fhir } from './migrations/037-fhir';
import { sql as planDesign } from './migrations/030-plan-design';
import { sql as accumulators } from './migrations/031-accumulators';
import { sql as pharmacyClaims } from './migrations/032-pharmacy-claims';
import { sql as accumulatorExchange } from './migrations/033-accumulator-exchange';
import { sql as fhirEnhancements } from './migrations/042-fhir-enhancements';
import { sql as identityEvidence } from './migrations/039-identity-evidence';
import { sql as secondaryPayerDecisions } from './migrations/040-secondary-payer-decisions';
import { sql as scopedEnrolment } from './migrations/038-scoped-enrolment';
import { sql as turnaroundClocks } from './migrations/047-turnaround-clocks';
import { sql as bankStatements } from './migrations/048-bank-statements';
import { sql as deskFleet } from './migrations/050-desk-fleet';
import { sql as secondaryRemittances } from './migrations/051-secondary-remittances';
import { sql as emergencyCases } from './migrations/055-emergency-cases';
import { sql as kpiAggregates } from './migrations/045-kpi-aggregates';
import { sql as secondaryClaimWithdrawals } from './migrations/043-secondary-claim-withdrawals';
import { sql as kpiFoldBatches } from './migrations/046-kpi-fold-batches';
import { sql as estimateParts } from './migrations/044-estimate-parts';
import { sql as reportAggregates } from './migrations/049-report-aggregates';
import { sql as turnaroundDays } from './migrations/057-turnaround-days';
import { sql as eCards } from './migrations/052-e-cards';
import { sql as memberIdentifiers } from './migrations/058-member-identifiers';
import { sql as historyConsent } from './migrations/062-history-consent';
import { sql as beneficiaryPage } from './migrations/063-beneficiary-page';
import { sql as biometricHistoryConsent } from './migrations/068-biometric-history-consent';
import { sql as caseDocuments } from './migrations/060-case-documents';
import { sql as turnaroundMonths } from './migrations/064-turnaround-months';
import { sql as turnaroundSeconds } from './migrations/069-turnaround-seconds';
import { sql as familyChanges } from './migrations/065-family-changes';

/** Numbered, append-only migrations. Add a new file and a new entry; never edit a shipped one. */
export const migrations: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  { version: 1, name: 'initial', sql: initial },
  { version: 2, name: 'sync', sql: sync },
  { version: 3, name: 'desk-scope', sql: deskScope },
  { version: 4, name: 'hot-path', sql: hotPath },
  { version: 5, name: 'identity', sql: identity },
  { version: 6, name: 'change-notify', sql: changeNotify },
  { version: 7, name: 'biometrics', sql: biometrics },
  { version: 8, name: 'payer-console', sql: payerConsole },
  { version: 9, name: 'console-scheme-changes', sql: consoleSchemeChanges },
  { version: 10, name: 'notify-after-commit', sql: notifyAfterCommit },
  { version: 11, name: 'money-lifecycle', sql: moneyLifecycle },
  { version: 12, name: 'scheme-time-zone', sql: schemeTimeZone },
  { version: 13, name: 'scope-departures', sql: scopeDepartures },
  { version: 14, name: 'keyed-request-hash', sql: keyedRequestHash },
  { version: 15, name: 'scheme-in-transaction', sql: schemeInTransaction },
  { version: 20, name: 'append-only-truncate', sql: appendOnlyTruncate },
  { version: 21, name: 'keys-outside-database', sql: keysOutsideDatabase },
  { version: 22, name: 'sign-in-safety', sql: signInSafety },
  { version: 23, name: 'policy-years', sql: policyYears },
  { version: 24, name: 'release-stranded-holds', sql: releaseStrandedHolds },
  { version: 25, name: 'keyed-audit-and-runtime-role', sql: keyedAuditAndRuntimeRole },
  { version: 26, name: 'identify-answers-kept-as-ids', sql: identifyAnswersKeptAsIds },
  { version: 27, name: 'desk-reach-and-lookup-limits', sql: deskReachAndLookupLimits },
  { version: 28, name: 'operator-keys', sql: operatorKeys },
  { version: 34, name: 'patient-account', sql: patientAccount },
  { version: 36, name: 'patient-payments', sql: patientPayments },
  { version: 37, name: 'fhir', sql: fhir },
  // 030–033 (issue 14, cost sharing) were numbered before 034, 036 and 037 landed and run after them,
  // in this order, on every database: 031 restates 034's add_booking_decision.
  { version: 30, name: 'plan-design', sql: planDesign },
  { version: 31, name: 'accumulators', sql: accumulators },
  { version: 32, name: 'pharmacy-claims', sql: pharmacyClaims },
  { version: 33, name: 'accumulator-exchange', sql: accumulatorExchange },
  { version: 42, name: 'fhir-enhancements', sql: fhirEnhancements },
  // 039 (issue 13 item 6) was numbered before 042 landed and runs after it.
  { version: 39, name: 'identity-evidence', sql: identityEvidence },
  // 040 (issue 14, secondary payers) landed after 042 and 039 and runs after them.
  { version: 40, name: 'secondary-payer-decisions', sql: secondaryPayerDecisions },
  // 038 (issue 13 item 5) was numbered before 039, 040 and 042 landed and runs after them.
  { version: 38, name: 'scoped-enrolment', sql: scopedEnrolment },
  { version: 47, name: 'turnaround-clocks', sql: turnaroundClocks },
  { version: 48, name: 'bank-statements', sql: bankStatements },
  // 045 (issue 15, the KPI aggregates) landed after 047 and 048 and runs after them.
  { version: 45, name: 'kpi-aggregates', sql: kpiAggregates },
  // 043 (issue 14, secondary claims withdrawn by reversals) landed after 045, 047 and 048 and runs after them.
  { version: 43, name: 'secondary-claim-withdrawals', sql: secondaryClaimWithdrawals },
  // 046 (issue 15, KPI folds in batches) landed after 043 and runs after it.
  { version: 46, name: 'kpi-fold-batches', sql: kpiFoldBatches },
  // 044 (issue 14, the estimate's parts) landed after 046 and runs after it.
  { version: 44, name: 'estimate-parts', sql: estimateParts },
  { version: 50, name: 'desk-fleet', sql: deskFleet },
  { version: 51, name: 'secondary-remittances', sql: secondaryRemittances },
  // 049 (issue 15, turnaround clocks kept at commit) landed after 050 and 051 and runs after them.
  { version: 49, name: 'report-aggregates', sql: reportAggregates },
  { version: 57, name: 'turnaround-days', sql: turnaroundDays },
  // 055 (issue 19, emergencies) landed after 057 and runs after it.
  { version: 55, name: 'emergency-cases', sql: emergencyCases },
  // 052 (issue 16, e-cards) landed after 055 and runs after it.
  { version: 52, name: 'e-cards', sql: eCards },
  // 058 (issue 16, a member's linked identifiers: national ID QR, health account, MRN, state card).
  { version: 58, name: 'member-identifiers', sql: memberIdentifiers },
  // 062 (issue 16, the member's cross-hospital history: consent and access log).
  { version: 62, name: 'history-consent', sql: historyConsent },
  // 063 (issue 16, the beneficiary page: sign-in codes and sessions).
  { version: 63, name: 'beneficiary-page', sql: beneficiaryPage },
  // 060 (issue 19, documents): package checklists per stage and the files attached to cases.
  { version: 60, name: 'case-documents', sql: caseDocuments },
  // 064 (issue 15, turnaround by month and duration beside 057's days).
  { version: 64, name: 'turnaround-months', sql: turnaroundMonths },
  // 069 (issue 15, turnaround counts by whole second inside a bucket).
  { version: 69, name: 'turnaround-seconds', sql: turnaroundSeconds },
  // 065 (issue 16, family changes): newborns and spouses registered with their document, decided by HA.
  { version: 65, name: 'family-changes', sql: familyChanges },
  // 068 (issue 16, the member's consent to show past treatment by a fingerprint or face match at the desk).
  { version: 68, name: 'biometric-history-consent', sql: biometricHistoryConsent },
];

/**
 * Apply pending migrations at start. Several server processes may start at once against the same
 * database: a transaction-scoped advisory lock lets exactly one apply each migration.
 */
export async function migrate(db: Database): Promise<{ applied: number[] }> {
  return db.transaction(async (sql) => {
    // A migration may rewrite a large table, and another process may hold the lock below while it
    // migrates: neither is bound by the request time limits of the pool's connections (postgres.ts).
    await sql.script('SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0');
    await sql.query('SELECT pg_advisory_xact_lock(7244901)');
    await sql.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await sql.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await sql.script(migration.sql);
      await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return { applied };
  });
}
