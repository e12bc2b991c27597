/**
 * The payment form's fields as typed, and what is wrong with them (pure, tested with literals).
 * What a method needs is the domain's one rule (`@domain/payment-input`), the same the desk backend
 * and the server apply; the amount is read by the shared money parser, never through a float.
 */
import type { DeskError, PaymentMethod, SecondaryPayer } from '@desk-api/contract';
import { paymentInputProblem } from '@domain/payment-input';
import { parseAmount } from '../../shared/money';

export interface PaymentDraft {
  readonly amount: string;
  readonly method: PaymentMethod;
  readonly reference: string;
  readonly secondaryPayer: SecondaryPayer | '';
}

export type PaymentField = 'amount' | 'method' | 'reference' | 'secondaryPayer';
export type PaymentProblems = Partial<Record<PaymentField, string>>;

export const paymentMethodLabels: Record<PaymentMethod, string> = {
  cash: 'Cash',
  card: 'Card',
  upi: 'UPI',
  secondary: 'Secondary payer',
};

export const secondaryPayerLabels: Record<SecondaryPayer, string> = {
  'serious-illness-fund': 'Serious-illness fund',
  'commercial-top-up': 'Commercial top-up',
};

/** How a receipt says it was paid: "₹600.00 in cash", "₹400.00 by UPI". */
export const paymentMethodPhrases: Record<PaymentMethod, string> = {
  cash: 'in cash',
  card: 'by card',
  upi: 'by UPI',
  secondary: 'sent to the secondary payer',
};

/** The reference field's label says what to type for the chosen method. */
export function referenceLabel(method: PaymentMethod): string {
  switch (method) {
    case 'cash':
      return 'Reference';
    case 'card':
      return 'Card approval code';
    case 'upi':
      return 'UPI reference or QR payload';
    case 'secondary':
      return 'Member or policy number at the secondary payer';
  }
}

export type PaymentRequest = {
  readonly amount: number;
  readonly method: PaymentMethod;
  readonly reference?: string;
  readonly secondaryPayer?: SecondaryPayer;
};

/**
 * The request to send, or the problem of each field. `owed` is what the server last said the
 * patient owes less what this desk has queued (null when the desk does not know: offline), so a
 * payment the server would refuse is not offered.
 */
export function readPaymentDraft(
  draft: PaymentDraft,
  minorPerUnit: number,
  owed: number | null,
  format: (minor: number) => string,
): { readonly ok: true; readonly request: PaymentRequest } | { readonly ok: false; readonly problems: PaymentProblems } {
  const problems: PaymentProblems = {};
  const amount = parseAmount(draft.amount, minorPerUnit);
  if (!amount.ok) problems.amount = amount.message;
  else if (amount.minor === 0) problems.amount = 'Enter the amount the patient pays now: more than zero.';
  else if (owed !== null && amount.minor > owed)
    problems.amount = owed === 0 ? 'The patient owes nothing more on this case.' : `The patient owes ${format(owed)}: take at most that.`;
  const reference = draft.method === 'cash' ? undefined : draft.reference.trim();
  const secondaryPayer = draft.method === 'secondary' && draft.secondaryPayer !== '' ? draft.secondaryPayer : undefined;
  const problem = paymentInputProblem({ method: draft.method, reference, secondaryPayer });
  if (problem) problems[problem.field] = problem.field === 'secondaryPayer' ? 'Choose the secondary payer the remainder goes to.' : problem.message;
  if (!amount.ok || Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      amount: amount.minor,
      method: draft.method,
      ...(reference !== undefined ? { reference } : {}),
      ...(secondaryPayer !== undefined ? { secondaryPayer } : {}),
    },
  };
}

/** A refusal from the desk backend next to its field when it names one (details.field), else for the whole form. */
export function problemOfRefusal(error: DeskError): { readonly field: PaymentField | null; readonly message: string } {
  const field = error.details?.field;
  return field === 'amount' || field === 'reference' || field === 'secondaryPayer'
    ? { field, message: error.message }
    : { field: null, message: error.message };
}
