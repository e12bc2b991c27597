import { describe, expect, it } from 'vitest';
import { bookingProblems, emptyBookingDraft, revisedProblems } from './booking-draft';

describe('booking form problems follow the fields as they are edited', () => {
  const afterSave = bookingProblems({ ...emptyBookingDraft, quantity: 'two' }, 100);

  it('a save attempt names every field that is wrong', () => {
    expect(afterSave).toEqual({
      itemCode: 'Enter the item or service code.',
      description: 'Describe the item or service.',
      quantity: 'Use a whole number, at least 1.',
      unitPrice: 'Enter an amount.',
    });
  });

  it('a field made valid loses its problem at once; the others keep theirs', () => {
    const draft = { ...emptyBookingDraft, quantity: 'two', itemCode: 'WARD' };
    expect(revisedProblems(afterSave, draft, 100)).toEqual({
      description: 'Describe the item or service.',
      quantity: 'Use a whole number, at least 1.',
      unitPrice: 'Enter an amount.',
    });
  });

  it('a field still wrong in another way says the new problem', () => {
    const draft = { ...emptyBookingDraft, quantity: 'two', unitPrice: '12.345' };
    expect(revisedProblems(afterSave, draft, 100).unitPrice).toBe('Use at most 2 decimal places.');
  });

  it('one edit that fills several fields (a known item) clears each of them', () => {
    const chosen = { itemCode: 'WARD', description: 'Ward bed', quantity: '2', unitPrice: '1500.00' };
    expect(revisedProblems(afterSave, chosen, 100)).toEqual({});
  });

  it('a field not flagged at save stays quiet while it is typed, even when wrong', () => {
    expect(revisedProblems({ itemCode: 'Enter the item or service code.' }, { ...emptyBookingDraft, itemCode: 'X', quantity: '0' }, 100)).toEqual({});
  });
});
