/**
 * The booking form's fields and what is wrong with them. A field's problem is shown after a save
 * attempt and then follows the field as it is edited: it goes the moment the value is valid and
 * changes its words if the value is wrong in another way (issue 12: an old "Enter the item code"
 * stayed beside a code typed since, until the next save). A field not yet flagged is not flagged
 * while it is typed: the operator is told at save time, not mid-word.
 */
import { parseAmount } from '../../shared/money';

export interface BookingDraft {
  readonly itemCode: string;
  readonly description: string;
  readonly quantity: string;
  readonly unitPrice: string;
}

export type BookingField = keyof BookingDraft;
export type BookingProblems = Partial<Record<BookingField, string>>;

export const emptyBookingDraft: BookingDraft = { itemCode: '', description: '', quantity: '1', unitPrice: '' };

/** A whole number of units, or null. */
export function draftQuantity(draft: BookingDraft): number | null {
  return /^\d+$/.test(draft.quantity.trim()) ? Number(draft.quantity.trim()) : null;
}

/** What is wrong with one field of the draft, or null. */
export function bookingFieldProblem(draft: BookingDraft, field: BookingField, minorPerUnit: number): string | null {
  switch (field) {
    case 'itemCode':
      return draft.itemCode.trim() === '' ? 'Enter the item or service code.' : null;
    case 'description':
      return draft.description.trim() === '' ? 'Describe the item or service.' : null;
    case 'quantity': {
      const quantity = draftQuantity(draft);
      return quantity === null || quantity < 1 ? 'Use a whole number, at least 1.' : null;
    }
    case 'unitPrice': {
      const price = parseAmount(draft.unitPrice, minorPerUnit);
      return price.ok ? null : price.message;
    }
  }
}

const fields: readonly BookingField[] = ['itemCode', 'description', 'quantity', 'unitPrice'];

/** Every field's problem: what a save attempt shows. */
export function bookingProblems(draft: BookingDraft, minorPerUnit: number): BookingProblems {
  const problems: BookingProblems = {};
  for (const field of fields) {
    const problem = bookingFieldProblem(draft, field, minorPerUnit);
    if (problem !== null) problems[field] = problem;
  }
  return problems;
}

/**
 * The problems on screen after an edit: each field that shows one is checked again against the
 * new draft (an edit can change several fields, e.g. choosing a known item fills description and
 * price); fields without one stay quiet until the next save.
 */
export function revisedProblems(shown: BookingProblems, draft: BookingDraft, minorPerUnit: number): BookingProblems {
  const revised: BookingProblems = {};
  for (const field of fields) {
    if (shown[field] === undefined) continue;
    const problem = bookingFieldProblem(draft, field, minorPerUnit);
    if (problem !== null) revised[field] = problem;
  }
  return revised;
}
