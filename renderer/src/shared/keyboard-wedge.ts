/**
 * Keyboard-wedge health-card scanners type the card number as a burst of key presses a few
 * milliseconds apart and finish with Enter. People type far slower (rarely under 60 ms between
 * keys). Telling the two apart lets the find screen search as soon as a card is scanned, while a
 * number typed by hand is still accepted, and recorded as typed rather than scanned.
 *
 * Pure: it sees only key names and event times, so it is tested with literal timings.
 */
export interface WedgeOptions {
  /** Longest pause between two characters of one scan. Scanners are ~5–30 ms; 50 leaves margin for a busy UI thread. */
  readonly maxGapMs: number;
  /** Shortest card number the scheme issues; shorter bursts are probably a held key or a mistake. */
  readonly minLength: number;
}

export const defaultWedgeOptions: WedgeOptions = { maxGapMs: 50, minLength: 6 };

export type WedgeVerdict = { readonly source: 'scan' | 'typed'; readonly text: string };

export class KeyboardWedgeDetector {
  private text = '';
  private lastTime: number | null = null;
  private isBurst = true;

  constructor(private readonly options: WedgeOptions = defaultWedgeOptions) {}

  /**
   * Feed one keydown (its `key` and `timeStamp`). Returns a verdict on Enter, null otherwise.
   * Any editing key (Backspace, arrows…) means a person is at the keyboard.
   */
  key(key: string, time: number): WedgeVerdict | null {
    if (key === 'Enter') {
      const verdict: WedgeVerdict = {
        source: this.isBurst && this.text.length >= this.options.minLength && this.isWithinGap(time) ? 'scan' : 'typed',
        text: this.text,
      };
      this.reset();
      return verdict;
    }
    if (key.length !== 1) {
      // Shift and other modifiers arrive inside scans of mixed-case codes; they carry no character.
      if (!isModifier(key)) this.isBurst = false;
      return null;
    }
    if (this.lastTime !== null && !this.isWithinGap(time)) this.isBurst = false;
    this.text += key;
    this.lastTime = time;
    return null;
  }

  reset(): void {
    this.text = '';
    this.lastTime = null;
    this.isBurst = true;
  }

  private isWithinGap(time: number): boolean {
    return this.lastTime === null || time - this.lastTime <= this.options.maxGapMs;
  }
}

function isModifier(key: string): boolean {
  return key === 'Shift' || key === 'Control' || key === 'Alt' || key === 'Meta' || key === 'CapsLock';
}

/** Convenience for tests and replays: run a whole sequence of [key, time] pairs. */
export function classifyKeystrokes(strokes: readonly (readonly [string, number])[], options: WedgeOptions = defaultWedgeOptions): WedgeVerdict | null {
  const detector = new KeyboardWedgeDetector(options);
  let verdict: WedgeVerdict | null = null;
  for (const [key, time] of strokes) verdict = detector.key(key, time) ?? verdict;
  return verdict;
}
