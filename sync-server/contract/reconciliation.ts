/**
 * Reconciliation against the bank (issue 15, migration 048): the import of a bank statement and the
 * report that matches its credits to payments. The existing paid + deductions = approved check is
 * `PaymentReconciliation` in reads.ts, unchanged.
 */
import { Type, type Static } from 'typebox';
import { closed, Nullable, Id, Time, Minor, Count } from './primitives';

export const BankStatementImportBody = Type.Object(
  {
    fileName: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f/\\\\]+$', description: 'The file name as downloaded from the bank' }),
    content: Type.String({
      minLength: 1,
      maxLength: 900_000,
      description: 'The CSV text: a header naming utr, reference, date and amount, then one credit per line',
    }),
  },
  { additionalProperties: false },
);
export type BankStatementImportBodyValue = Static<typeof BankStatementImportBody>;

const CreditCounts = Type.Object({ applied: Count, duplicate: Count, unmatched: Count }, closed);

export const BankStatementImported = Type.Object(
  {
    statementId: Id,
    fileName: Type.String(),
    sha256: Type.String(),
    /** Credit lines in the file, those added now, and those whose UTR an earlier statement already brought. */
    lines: Count,
    creditsAdded: Count,
    alreadyImported: Count,
    /** True when this very file had been imported before: nothing was written, this is that import. */
    isReplay: Type.Boolean(),
    /** How this statement's credits match, as the report now reads them. */
    credits: CreditCounts,
    importedAt: Time,
  },
  closed,
);
export type BankStatementImportedValue = Static<typeof BankStatementImported>;

export const BankCreditMatch = Type.Object(
  {
    utr: Type.String(),
    reference: Type.String(),
    valueDate: Type.String({ description: 'YYYY-MM-DD' }),
    amount: Minor,
    statementId: Id,
    fileName: Type.String(),
    line: Type.Integer(),
    /** applied: counts toward its payment; duplicate: its payment was already credited in full; unmatched: no payment has its reference. */
    match: Type.Enum(['applied', 'duplicate', 'unmatched']),
    paymentId: Nullable(Id),
  },
  closed,
);

export const PaymentCredit = Type.Object(
  {
    paymentId: Id,
    reference: Type.String(),
    hospitalCode: Type.String(),
    createdAt: Time,
    netPaid: Minor,
    /** Sum of the credits applied to it, and their number. */
    credited: Minor,
    credits: Count,
    /** credited: exactly net paid; short-paid: less; over-paid: more; not-credited: no credit yet; nothing-due: net paid 0. */
    status: Type.Enum(['credited', 'short-paid', 'over-paid', 'not-credited', 'nothing-due']),
    /** credited − net paid (negative when short). */
    difference: Type.Integer(),
  },
  closed,
);

export const BankReconciliation = Type.Object(
  {
    statements: Type.Array(
      Type.Object(
        {
          statementId: Id,
          fileName: Type.String(),
          sha256: Type.String(),
          lines: Count,
          creditsAdded: Count,
          alreadyImported: Count,
          importedBy: Type.String(),
          importedAt: Time,
        },
        closed,
      ),
    ),
    payments: Type.Array(PaymentCredit),
    shortPaid: Type.Array(PaymentCredit),
    overPaid: Type.Array(PaymentCredit),
    notCredited: Type.Array(PaymentCredit),
    unmatchedCredits: Type.Array(BankCreditMatch),
    duplicateCredits: Type.Array(BankCreditMatch),
    totals: Type.Object({ netPaid: Minor, credited: Minor, unmatched: Minor, duplicate: Minor }, closed),
    /** Every payment credited exactly and no credit left over. */
    isReconciled: Type.Boolean(),
    computedAt: Time,
  },
  closed,
);
export type BankReconciliationValue = Static<typeof BankReconciliation>;
export type BankCreditMatchValue = Static<typeof BankCreditMatch>;
export type PaymentCreditValue = Static<typeof PaymentCredit>;
