import { describe, expect, it } from 'vitest';
import { classifyKeystrokes, KeyboardWedgeDetector } from './keyboard-wedge';

/** Keys of `text` then Enter, `gap` ms apart, starting at `start`. */
function strokes(text: string, gap: number, start = 1_000): [string, number][] {
  const keys = [...text, 'Enter'];
  return keys.map((key, index) => [key, start + index * gap]);
}

describe('keyboard-wedge burst detection', () => {
  it('recognises a scanner burst ending in Enter', () => {
    expect(classifyKeystrokes(strokes('HC-S1-0001', 8))).toEqual({ source: 'scan', text: 'HC-S1-0001' });
  });

  it('treats human typing as typed', () => {
    expect(classifyKeystrokes(strokes('HC-S1-0001', 140))).toEqual({ source: 'typed', text: 'HC-S1-0001' });
  });

  it('treats one slow pause inside the burst as typed', () => {
    const sequence = strokes('HC-S1-0001', 8);
    const shifted = sequence.map(([key, time], index): [string, number] => [key, index >= 4 ? time + 300 : time]);
    expect(classifyKeystrokes(shifted)?.source).toBe('typed');
  });

  it('treats a late Enter after a fast burst as typed (a person pressed it)', () => {
    const sequence = strokes('HC-S1-0001', 8);
    const last = sequence[sequence.length - 1]!;
    sequence[sequence.length - 1] = ['Enter', last[1] + 500];
    expect(classifyKeystrokes(sequence)?.source).toBe('typed');
  });

  it('needs the minimum card length', () => {
    expect(classifyKeystrokes(strokes('HC1', 5))?.source).toBe('typed');
  });

  it('ignores Shift inside a scan of mixed-case codes but not editing keys', () => {
    expect(
      classifyKeystrokes([
        ['Shift', 0],
        ['H', 3],
        ['Shift', 6],
        ['C', 9],
        ['1', 12],
        ['2', 15],
        ['3', 18],
        ['4', 21],
        ['Enter', 24],
      ]),
    ).toEqual({ source: 'scan', text: 'HC1234' });
    expect(
      classifyKeystrokes([
        ['H', 0],
        ['C', 3],
        ['1', 6],
        ['Backspace', 9],
        ['2', 12],
        ['3', 15],
        ['4', 18],
        ['5', 21],
        ['Enter', 24],
      ])?.source,
    ).toBe('typed');
  });

  it('starts afresh after every Enter', () => {
    const detector = new KeyboardWedgeDetector();
    for (const [key, time] of strokes('SLOWLY', 200)) detector.key(key, time);
    let verdict = null;
    for (const [key, time] of strokes('HC-S1-0002', 6, 10_000)) verdict = detector.key(key, time) ?? verdict;
    expect(verdict).toEqual({ source: 'scan', text: 'HC-S1-0002' });
  });

  it('says nothing until Enter', () => {
    const detector = new KeyboardWedgeDetector();
    expect(detector.key('H', 0)).toBeNull();
    expect(detector.key('Enter', 5)).toEqual({ source: 'typed', text: 'H' });
  });
});
