/**
 * Keyboard shortcuts. Every one is Alt + a letter (or a function key), matched on the physical key
 * (`event.code`) so it works whatever the keyboard layout produces for Alt+letter (macOS types ƒ
 * for Alt+F). Typing in a field never triggers them: plain letters always type.
 */
export interface Shortcut {
  /** e.g. 'Alt+F', 'F1'. Shown in the help panel and as aria-keyshortcuts. */
  readonly keys: string;
  readonly description: string;
}

export interface KeyLike {
  readonly key: string;
  readonly code: string;
  readonly altKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
}

export function matchesShortcut(event: KeyLike, keys: string): boolean {
  const parts = keys.split('+');
  const key = parts[parts.length - 1] ?? '';
  const wantsAlt = parts.includes('Alt');
  const wantsShift = parts.includes('Shift');
  if (event.altKey !== wantsAlt || event.shiftKey !== wantsShift || event.ctrlKey || event.metaKey) return false;
  if (/^F\d{1,2}$/.test(key)) return event.key === key;
  if (/^[A-Z]$/.test(key)) return event.code === `Key${key}`;
  if (/^\d$/.test(key)) return event.code === `Digit${key}`;
  return event.key === key;
}

/** The shortcuts that work on every screen. Screens add their own (see useShortcut). */
export const globalShortcuts = {
  find: { keys: 'Alt+F', description: 'Find a beneficiary (focuses the health-card field)' },
  cases: { keys: 'Alt+C', description: 'Cases at this desk' },
  syncNow: { keys: 'Alt+Y', description: 'Sync with the server now' },
  notifications: { keys: 'Alt+N', description: 'Go to the latest notification' },
  help: { keys: 'F1', description: 'Show this list of shortcuts (also Alt+H)' },
  helpAlternative: { keys: 'Alt+H', description: 'Show this list of shortcuts' },
} as const satisfies Record<string, Shortcut>;

/** Always available without a shortcut of ours, listed so nobody has to guess. */
export const browserKeys: readonly Shortcut[] = [
  { keys: 'Tab / Shift+Tab', description: 'Next / previous field or button' },
  { keys: 'Enter', description: 'Submit the form you are in' },
  { keys: 'Esc', description: 'Close a dialog without doing anything' },
  { keys: 'Arrow keys', description: 'Move through a list of choices (packages, identity methods)' },
  { keys: 'Alt+Left / Alt+Right', description: 'Previous / next screen' },
];
