/**
 * HID keyboard reports → text, pure. HID barcode/QR scanners present themselves as keyboards and
 * "type" the payload: each input report is the boot-protocol snapshot
 * `[modifiers, reserved, key1, key2, key3, key4, key5, key6]` of which keys are down right now.
 *
 * A character is produced when a key *appears* in a report; a key still down in the next report is
 * held, not pressed again. Scanners send a release report (all keys up) between characters, which is
 * what lets "AA" come through as two letters.
 *
 * US layout is assumed, as it is the factory setting of scanners and the layout the scheme card's
 * character set (A-Z, 0-9, "-", "|") is unambiguous in. Alt+keypad code entry is not supported.
 */

export const keyboardReportLength = 8;

/** Modifier bits of byte 0 (HID Usage Tables, keyboard page). */
const leftControl = 0x01;
const leftShift = 0x02;
const leftAlt = 0x04;
const rightControl = 0x10;
const rightShift = 0x20;
const rightAlt = 0x40;

/** Usages 0x01-0x03 fill every slot when the keyboard cannot report (rollover, self-test failure). */
const lastErrorUsage = 0x03;

export const enterUsage = 0x28;
export const keypadEnterUsage = 0x58;

/** usage → [unshifted, shifted]. Enter is mapped to CR so the same line framer serves HID and serial. */
const usageCharacters: ReadonlyMap<number, readonly [string, string]> = new Map<number, readonly [string, string]>([
  ...Array.from({ length: 26 }, (_, index): [number, readonly [string, string]] => [
    0x04 + index,
    [String.fromCharCode(0x61 + index), String.fromCharCode(0x41 + index)],
  ]),
  [0x1e, ['1', '!']],
  [0x1f, ['2', '@']],
  [0x20, ['3', '#']],
  [0x21, ['4', '$']],
  [0x22, ['5', '%']],
  [0x23, ['6', '^']],
  [0x24, ['7', '&']],
  [0x25, ['8', '*']],
  [0x26, ['9', '(']],
  [0x27, ['0', ')']],
  [enterUsage, ['\r', '\r']],
  [0x2b, ['\t', '\t']],
  [0x2c, [' ', ' ']],
  [0x2d, ['-', '_']],
  [0x2e, ['=', '+']],
  [0x2f, ['[', '{']],
  [0x30, [']', '}']],
  [0x31, ['\\', '|']],
  [0x33, [';', ':']],
  [0x34, ["'", '"']],
  [0x35, ['`', '~']],
  [0x36, [',', '<']],
  [0x37, ['.', '>']],
  [0x38, ['/', '?']],
  // Keypad (Num Lock on): some scanners send digits this way.
  [0x54, ['/', '/']],
  [0x55, ['*', '*']],
  [0x56, ['-', '-']],
  [0x57, ['+', '+']],
  [keypadEnterUsage, ['\r', '\r']],
  [0x59, ['1', '1']],
  [0x5a, ['2', '2']],
  [0x5b, ['3', '3']],
  [0x5c, ['4', '4']],
  [0x5d, ['5', '5']],
  [0x5e, ['6', '6']],
  [0x5f, ['7', '7']],
  [0x60, ['8', '8']],
  [0x61, ['9', '9']],
  [0x62, ['0', '0']],
  [0x63, ['.', '.']],
]);

/** The shifted/unshifted usage for a character: the simulator's inverse of the table above. */
export function usageForCharacter(character: string): { readonly usage: number; readonly isShifted: boolean } | undefined {
  // Main-block keys first, so "1" is typed on the number row rather than the keypad.
  for (const [usage, [plain, shifted]] of usageCharacters) {
    if (usage >= 0x54) continue;
    if (plain === character) return { usage, isShifted: false };
    if (shifted === character) return { usage, isShifted: true };
  }
  return undefined;
}

export type KeyboardReportResult = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'malformed-report'; readonly length: number };

export interface KeyboardDecoderOptions {
  /**
   * Whether each report starts with a report id byte. Devices with numbered reports get one, and
   * some platforms' HID APIs prepend a 0 byte; the scanner's configuration decides.
   */
  readonly hasReportId?: boolean;
}

export class HidKeyboardDecoder {
  private pressed = new Set<number>();
  private readonly hasReportId: boolean;

  constructor(options: KeyboardDecoderOptions = {}) {
    this.hasReportId = options.hasReportId ?? false;
  }

  /** Text typed by this report (often empty: releases type nothing). */
  push(report: Uint8Array): KeyboardReportResult {
    const body = this.hasReportId ? report.subarray(1) : report;
    if (body.length !== keyboardReportLength) return { kind: 'malformed-report', length: report.length };
    const modifiers = body[0] ?? 0;
    const keys = [...body.subarray(2)].filter((usage) => usage !== 0);
    // An error report says nothing about which keys are down; keep the previous state.
    if (keys.some((usage) => usage <= lastErrorUsage)) return { kind: 'text', text: '' };
    const isShifted = (modifiers & (leftShift | rightShift)) !== 0;
    // Ctrl/Alt chords are commands, not text (AltGr characters are outside the card's set).
    const isChord = (modifiers & (leftControl | rightControl | leftAlt | rightAlt)) !== 0;
    let text = '';
    for (const usage of keys) {
      if (this.pressed.has(usage) || isChord) continue;
      const characters = usageCharacters.get(usage);
      if (characters !== undefined) text += isShifted ? characters[1] : characters[0];
    }
    this.pressed = new Set(keys);
    return { kind: 'text', text };
  }

  reset(): void {
    this.pressed = new Set();
  }
}
