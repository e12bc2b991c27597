import { describe, expect, it } from 'vitest';
import { payableBalance, problemOfRefusal, readPaymentDraft, type PaymentDraft } from './payment-draft';

const format = (minor: number) => `₹${(minor / 100).toFixed(2)}`;
const live = (owed: number) => ({ owed, queued: 0, asOf: null });
const draft = (fields: Partial<PaymentDraft>): PaymentDraft => ({ amount: '600', method: 'cash', reference: '', secondaryPayer: '', ...fields });

describe('the payment form', () => {
  it('reads cash in minor units, without a reference even if one was typed before switching to cash', () => {
    expect(readPaymentDraft(draft({ amount: '600.50', reference: 'typed for card' }), 100, live(100_000), format)).toEqual({
      ok: true,
      request: { amount: 60_050, method: 'cash' },
    });
  });

  it('puts each problem on its field', () => {
    expect(readPaymentDraft(draft({ amount: '', method: 'card' }), 100, null, format)).toEqual({
      ok: false,
      problems: { amount: 'Enter an amount.', reference: "A card payment needs the terminal's approval code as its reference." },
    });
    expect(readPaymentDraft(draft({ amount: '0' }), 100, null, format)).toEqual({
      ok: false,
      problems: { amount: 'Enter the amount the patient pays now: more than zero.' },
    });
    expect(readPaymentDraft(draft({ method: 'secondary', reference: 'SIF-22' }), 100, null, format)).toEqual({
      ok: false,
      problems: { secondaryPayer: 'Choose the secondary payer the remainder goes to.' },
    });
  });

  it('refuses more than is owed when the desk knows it, and leaves it to the server when it does not', () => {
    expect(readPaymentDraft(draft({ amount: '1000.01' }), 100, live(100_000), format)).toEqual({
      ok: false,
      problems: { amount: 'The patient owes ₹1000.00: take at most that.' },
    });
    expect(readPaymentDraft(draft({ amount: '1' }), 100, live(0), format)).toEqual({
      ok: false,
      problems: { amount: 'The patient owes nothing more on this case.' },
    });
    expect(readPaymentDraft(draft({ amount: '5000' }), 100, null, format).ok).toBe(true);
  });

  it('offline, works from the bill last read here, as of its time, less the payments queued since (issue 14)', () => {
    const lastRead = { account: { owed: 900_000 }, computedAt: '2026-03-04T10:45:00.000Z' };
    // The server answered: its bill, not the last read one.
    expect(payableBalance({ account: { owed: 500_000 } }, lastRead, 100_000)).toEqual({ owed: 400_000, queued: 100_000, asOf: null });
    // It cannot be reached: the last bill read here, said to be as of its time — not "unknown".
    const offline = payableBalance(null, lastRead, 250_000);
    expect(offline).toEqual({ owed: 650_000, queued: 250_000, asOf: '2026-03-04T10:45:00.000Z' });
    expect(readPaymentDraft(draft({ amount: '6500' }), 100, offline, format)).toEqual({ ok: true, request: { amount: 650_000, method: 'cash' } });
    expect(readPaymentDraft(draft({ amount: '6500.01' }), 100, offline, format)).toEqual({
      ok: false,
      problems: { amount: 'The bill last read here says the patient owes ₹6500.00, after ₹2500.00 taken here and queued: take at most that.' },
    });
    // Queued payments past the last balance leave nothing to take, never a negative balance.
    const paidUp = payableBalance(null, lastRead, 1_000_000);
    expect(paidUp).toEqual({ owed: 0, queued: 1_000_000, asOf: lastRead.computedAt });
    expect(readPaymentDraft(draft({ amount: '1' }), 100, paidUp, format)).toEqual({
      ok: false,
      problems: { amount: 'The bill last read here leaves nothing owed, after ₹10000.00 taken here and queued.' },
    });
    // No bill ever read here: the desk does not know, and says nothing it cannot back.
    expect(payableBalance(null, null, 0)).toBeNull();
  });

  it('sends UPI and a secondary payer with their trimmed reference', () => {
    expect(readPaymentDraft(draft({ method: 'upi', reference: '  UPI-4471 ' }), 100, null, format)).toEqual({
      ok: true,
      request: { amount: 60_000, method: 'upi', reference: 'UPI-4471' },
    });
    expect(readPaymentDraft(draft({ method: 'secondary', reference: 'SIF-22', secondaryPayer: 'serious-illness-fund' }), 100, null, format)).toEqual({
      ok: true,
      request: { amount: 60_000, method: 'secondary', reference: 'SIF-22', secondaryPayer: 'serious-illness-fund' },
    });
  });

  it("places the desk backend's refusal next to the field it names", () => {
    expect(problemOfRefusal({ code: 'invalid-input', message: 'Need a code.', details: { field: 'reference' } })).toEqual({
      field: 'reference',
      message: 'Need a code.',
    });
    expect(problemOfRefusal({ code: 'disk-full', message: 'Disk full.' })).toEqual({ field: null, message: 'Disk full.' });
  });
});
