import { describe, expect, it } from 'vitest';
import { paymentInputProblem } from './payment-input';

describe('what a payment needs by method', () => {
  it('cash needs nothing more, and refuses a reference', () => {
    expect(paymentInputProblem({ method: 'cash' })).toBeNull();
    expect(paymentInputProblem({ method: 'cash', reference: 'X1' })).toEqual({ field: 'reference', message: 'A cash payment has no reference: leave it out.' });
  });

  it('card, UPI and a secondary payer need a reference that is not blank', () => {
    expect(paymentInputProblem({ method: 'card' })?.message).toMatch(/approval code/);
    expect(paymentInputProblem({ method: 'card', reference: '   ' })?.field).toBe('reference');
    expect(paymentInputProblem({ method: 'upi' })?.message).toMatch(/UPI .*transaction reference/);
    expect(paymentInputProblem({ method: 'secondary', secondaryPayer: 'serious-illness-fund' })?.message).toMatch(/member or policy number/);
    expect(paymentInputProblem({ method: 'card', reference: 'A12345' })).toBeNull();
    expect(paymentInputProblem({ method: 'upi', reference: 'upi://pay?pa=hospital@bank&am=500' })).toBeNull();
  });

  it('a secondary payer is named for method secondary and only there', () => {
    expect(paymentInputProblem({ method: 'secondary', reference: 'SIF-1' })).toEqual({
      field: 'secondaryPayer',
      message: 'Say which secondary payer the remainder goes to (secondaryPayer).',
    });
    expect(paymentInputProblem({ method: 'secondary', reference: 'SIF-1', secondaryPayer: 'commercial-top-up' })).toBeNull();
    expect(paymentInputProblem({ method: 'upi', reference: 'R1', secondaryPayer: 'commercial-top-up' })?.field).toBe('secondaryPayer');
  });
});
