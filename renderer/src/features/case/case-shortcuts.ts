import type { Shortcut } from '../../app/shortcuts';

/** The case screen's own shortcuts; the help panel lists them while a case is open. */
export const caseShortcuts = {
  booking: { keys: 'Alt+B', description: 'Case: add a booking (focuses the item field)' },
  enhancement: { keys: 'Alt+E', description: 'Case: request an enhancement' },
  discharge: { keys: 'Alt+D', description: 'Case: discharge (asks to confirm)' },
  claim: { keys: 'Alt+L', description: 'Case: raise the claim' },
  preauth: { keys: 'Alt+P', description: 'Case: go to the pre-auth' },
} as const satisfies Record<string, Shortcut>;
