/**
 * Fonts of the printed documents (issue 19): Noto Sans Devanagari from the app's own
 * @fontsource/noto-sans-devanagari package (the files the screens bundle), embedded in every PDF,
 * so Hindi and Marathi print the same on every server and printer whatever fonts the system has
 * (pdfkit's built-in Helvetica has no Devanagari, and no rupee sign). The package ships the font in
 * per-script subsets: the Devanagari file has Devanagari, the danda and ₹ but no Latin letters
 * or digits, the Latin file the rest. pdfkit draws one font at a time, so text is cut into runs by
 * the file that has each character (the package's own unicode.json says which), and the runs are
 * drawn one after another; pdfkit's fontkit shapes each Devanagari run (conjuncts, matras, reph).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fontFile = (subset: 'devanagari' | 'latin', weight: 400 | 700) =>
  require.resolve(`@fontsource/noto-sans-devanagari/files/noto-sans-devanagari-${subset}-${weight}-normal.woff`);

export const printFonts = {
  devanagari: fontFile('devanagari', 400),
  devanagariBold: fontFile('devanagari', 700),
  latin: fontFile('latin', 400),
  latinBold: fontFile('latin', 700),
} as const;
type FontName = keyof typeof printFonts;

/** The Devanagari file's code points, from the package's unicode.json ("U+0900-097F,U+20B9,…"). */
const devanagariRanges: readonly (readonly [number, number])[] = (require('@fontsource/noto-sans-devanagari/unicode.json') as { devanagari: string }).devanagari
  .split(',')
  .map((range) => {
    const [from, to] = range.replace(/U\+/g, '').split('-');
    return [parseInt(from!, 16), parseInt(to ?? from!, 16)] as const;
  });
const isInDevanagariFile = (codePoint: number) => devanagariRanges.some(([from, to]) => codePoint >= from && codePoint <= to);

export interface TextRun {
  readonly script: 'devanagari' | 'latin';
  readonly text: string;
}

/**
 * The text cut where the font file must change: a character of the Devanagari file (Devanagari,
 * the danda, ₹, the joiners) in a Devanagari run, anything else in a Latin one; a space stays in
 * the run it is in, so words of one script are one run and shape together.
 */
export function scriptRuns(text: string): TextRun[] {
  const runs: { script: TextRun['script']; text: string }[] = [];
  for (const character of text) {
    const script: TextRun['script'] =
      character === ' ' && runs.length > 0 ? runs[runs.length - 1]!.script : isInDevanagariFile(character.codePointAt(0) ?? 0) ? 'devanagari' : 'latin';
    const last = runs[runs.length - 1];
    if (last && last.script === script) last.text += character;
    else runs.push({ script, text: character });
  }
  return runs;
}

export interface PrintTextOptions {
  readonly size: number;
  readonly isBold?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly align?: 'left' | 'right' | 'center';
  readonly lineBreak?: boolean;
  readonly ellipsis?: boolean;
}

function fontOf(script: TextRun['script'], isBold: boolean): FontName {
  if (script === 'devanagari') return isBold ? 'devanagariBold' : 'devanagari';
  return isBold ? 'latinBold' : 'latin';
}

/** Registers the print fonts on a document (by their names in printFonts). */
export function registerPrintFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, file] of Object.entries(printFonts)) doc.registerFont(name, file);
}

/**
 * Writes text in the print fonts at (x, y): one run as pdfkit's own text (wrapping, alignment,
 * ellipsis as asked); several runs left-aligned as one continued paragraph (it wraps), or, right-
 * aligned or centred, on one line placed by the runs' measured width.
 */
export function printText(doc: PDFKit.PDFDocument, text: string, x: number, y: number, options: PrintTextOptions): void {
  const { size, isBold = false, align = 'left', ...rest } = options;
  const runs = scriptRuns(text);
  doc.fontSize(size);
  if (runs.length <= 1) {
    doc.font(fontOf(runs[0]?.script ?? 'latin', isBold)).text(text, x, y, { ...rest, align });
    return;
  }
  if (align === 'left') {
    runs.forEach((run, index) => {
      const isLast = index === runs.length - 1;
      doc.font(fontOf(run.script, isBold));
      if (index === 0) doc.text(run.text, x, y, { ...rest, continued: !isLast });
      else doc.text(run.text, { continued: !isLast });
    });
    return;
  }
  const widths = runs.map((run) => doc.font(fontOf(run.script, isBold)).widthOfString(run.text));
  const total = widths.reduce((sum, width) => sum + width, 0);
  const box = rest.width ?? total;
  let at = align === 'right' ? x + box - total : x + (box - total) / 2;
  runs.forEach((run, index) => {
    doc.font(fontOf(run.script, isBold)).text(run.text, at, y, { lineBreak: false });
    at += widths[index]!;
  });
}

/** The height text takes in a column (measured in the font of its longest run: close enough for rows). */
export function printTextHeight(doc: PDFKit.PDFDocument, text: string, options: PrintTextOptions): number {
  const runs = scriptRuns(text);
  const longest = runs.reduce<TextRun | undefined>((best, run) => (best === undefined || run.text.length > best.text.length ? run : best), undefined);
  doc.fontSize(options.size).font(fontOf(longest?.script ?? 'latin', options.isBold ?? false));
  return doc.heightOfString(text, options.width === undefined ? {} : { width: options.width });
}
