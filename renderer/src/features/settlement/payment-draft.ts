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
 * What the payment form may take: what the patient owes less what this desk has queued and the
 * server has not taken yet. `asOf` is null when the figure comes from the server's current bill,
 * and the bill's time when the server cannot be reached and it is the bill last read here.
 */
export interface PayableBalance {
  readonly owed: number;
  readonly queued: number;
  readonly asOf: string | null;
}

/**
 * The balance the form works from: the server's bill when it answered, else the bill last read
 * here, as of its time (offline: the operator has it on screen, so the form must not say the
 * balance is unknown); never more than that bill's balance less the payments queued since.
 */
export function payableBalance(
  current: { readonly account: { readonly owed: number } } | null,
  lastRead: { readonly account: { readonly owed: number }; readonly computedAt: string } | null,
  queuedPayments: number,
): PayableBalance | null {
  const bill = current ?? lastRead;
  if (!bill) return null;
  return { owed: Math.max(0, bill.account.owed - queuedPayments), queued: queuedPayments, asOf: current ? null : (lastRead?.computedAt ?? null) };
}

/**
 * The request to send, or the problem of each field. `balance` is what the server last said the
 * patient owes less what this desk has queued (null when the desk has no bill at all), so a
 * payment the server would refuse is not offered.
 */
export function readPaymentDraft(
  draft: PaymentDraft,
  minorPerUnit: number,
  balance: PayableBalance | null,
  format: (minor: number) => string,
): { readonly ok: true; readonly request: PaymentRequest } | { readonly ok: false; readonly problems: PaymentProblems } {
  const problems: PaymentProblems = {};
  const amount = parseAmount(draft.amount, minorPerUnit);
  if (!amount.ok) problems.amount = amount.message;
  else if (amount.minor === 0) problems.amount = 'Enter the amount the patient pays now: more than zero.';
  else if (balance !== null && amount.minor > balance.owed) problems.amount = tooMuch(balance, format);
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

function tooMuch(balance: PayableBalance, format: (minor: number) => string): string {
  const queued = balance.queued > 0 ? `, after ${format(balance.queued)} taken here and queued` : '';
  if (balance.asOf !== null)
    return balance.owed === 0
      ? `The bill last read here leaves nothing owed${queued}.`
      : `The bill last read here says the patient owes ${format(balance.owed)}${queued}: take at most that.`;
  return balance.owed === 0 ? 'The patient owes nothing more on this case.' : `The patient owes ${format(balance.owed)}: take at most that.`;
}

/** A refusal from the desk backend next to its field when it names one (details.field), else for the whole form. */
export function problemOfRefusal(error: DeskError): { readonly field: PaymentField | null; readonly message: string } {
  const field = error.details?.field;
  return field === 'amount' || field === 'reference' || field === 'secondaryPayer'
    ? { field, message: error.message }
    : { field: null, message: error.message };
}
