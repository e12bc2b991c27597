import { describe, expect, it } from 'vitest';
import { HidKeyboardDecoder } from './hid-keyboard';
import { keyboardReportsForText } from './simulator';

const report = (...values: number[]): Uint8Array => Uint8Array.from(values);

function typed(decoder: HidKeyboardDecoder, reports: readonly Uint8Array[]): string {
  let text = '';
  for (const each of reports) {
    const result = decoder.push(each);
    if (result.kind === 'text') text += result.text;
  }
  return text;
}

describe('HID keyboard decoder', () => {
  it('translates usages with and without shift (golden reports)', () => {
    const decoder = new HidKeyboardDecoder();
    const reports = [
      report(0x02, 0, 0x13, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // P
      report(0x20, 0, 0x10, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // M (right shift)
      report(0x00, 0, 0x2d, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // -
      report(0x02, 0, 0x31, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // |
      report(0x00, 0, 0x1e, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // 1
      report(0x00, 0, 0x27, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // 0
      report(0x00, 0, 0x04, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // a
      report(0x00, 0, 0x62, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // keypad 0
      report(0x00, 0, 0x28, 0, 0, 0, 0, 0),
      report(0, 0, 0, 0, 0, 0, 0, 0), // Enter
    ];
    expect(typed(decoder, reports)).toBe('PM-|10a0\r');
  });

  it('does not repeat a held key, but types a key pressed again after release', () => {
    const decoder = new HidKeyboardDecoder();
    const a = report(0x02, 0, 0x04, 0, 0, 0, 0, 0);
    const up = report(0, 0, 0, 0, 0, 0, 0, 0);
    expect(typed(decoder, [a, a, a, up, a, up])).toBe('AA');
  });

  it('types the new key when a second key joins a held one', () => {
    const decoder = new HidKeyboardDecoder();
    expect(typed(decoder, [report(0, 0, 0x04, 0, 0, 0, 0, 0), report(0, 0, 0x04, 0x05, 0, 0, 0, 0), report(0, 0, 0x05, 0, 0, 0, 0, 0)])).toBe('ab');
  });

  it('ignores rollover error reports and Ctrl/Alt chords', () => {
    const decoder = new HidKeyboardDecoder();
    expect(
      typed(decoder, [
        report(0, 0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01),
        report(0x01, 0, 0x06, 0, 0, 0, 0, 0),
        report(0, 0, 0, 0, 0, 0, 0, 0),
        report(0, 0, 0x06, 0, 0, 0, 0, 0),
      ]),
    ).toBe('c');
  });

  it('reports reports of the wrong length, and strips a report id when configured', () => {
    expect(new HidKeyboardDecoder().push(report(1, 0, 0x04, 0, 0, 0, 0, 0, 0))).toEqual({ kind: 'malformed-report', length: 9 });
    expect(new HidKeyboardDecoder({ hasReportId: true }).push(report(1, 0, 0, 0x04, 0, 0, 0, 0, 0))).toEqual({ kind: 'text', text: 'a' });
  });

  it('round-trips the simulator generator for the whole card alphabet', () => {
    const text = 'CDK1|PMJ-AB12CD34|ZZ0099|1987|E8 pmj-xyz';
    expect(typed(new HidKeyboardDecoder(), keyboardReportsForText(text))).toBe(`${text}\r`);
    expect(typed(new HidKeyboardDecoder({ hasReportId: true }), keyboardReportsForText(text, { hasReportId: true }))).toBe(`${text}\r`);
    expect(() => keyboardReportsForText('é')).toThrow(/cannot type/);
  });
});
