/**
 * What a payment needs besides its amount (issue 14), by method. One rule for the server's
 * take-payment, the desk backend (which refuses before queueing, so cash taken offline is never
 * queued only to be refused later) and the desk's payment form (which puts the sentence next to
 * its field). Pure.
 */

export type PaymentMethodName = 'cash' | 'card' | 'upi' | 'secondary';
export type SecondaryPayerName = 'serious-illness-fund' | 'commercial-top-up';

export interface PaymentInput {
  readonly method: PaymentMethodName;
  readonly reference?: string | undefined;
  readonly secondaryPayer?: SecondaryPayerName | undefined;
}

/** The field that is wrong and a sentence to act on, or null when the method has what it needs. */
export interface PaymentInputProblem {
  readonly field: 'reference' | 'secondaryPayer';
  readonly message: string;
}

export function paymentInputProblem(input: PaymentInput): PaymentInputProblem | null {
  const isSecondary = input.method === 'secondary';
  const hasReference = input.reference !== undefined && input.reference.trim() !== '';
  if (input.method !== 'cash' && !hasReference) {
    return {
      field: 'reference',
      message:
        input.method === 'card'
          ? "A card payment needs the terminal's approval code as its reference."
          : input.method === 'upi'
            ? 'A UPI payment needs its transaction reference or the scanned QR payload as its reference.'
            : "Sending the remainder to a secondary payer needs the patient's member or policy number there as its reference.",
    };
  }
  if (isSecondary !== (input.secondaryPayer !== undefined)) {
    return {
      field: 'secondaryPayer',
      message: isSecondary ? 'Say which secondary payer the remainder goes to (secondaryPayer).' : 'secondaryPayer is only for method secondary.',
    };
  }
  if (input.method === 'cash' && input.reference !== undefined) return { field: 'reference', message: 'A cash payment has no reference: leave it out.' };
  return null;
}
