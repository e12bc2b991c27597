import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { printText, registerPrintFonts } from '../print/pdf-fonts';
import { defaultPrintLanguage, printTranslator, type PrintLanguage } from '../print/print-language';

/** What is printed on a member's e-card (issue 16): the issued card's fields and its signed QR text. */
export interface PrintedECard {
  readonly serial: string;
  readonly schemeName: string;
  readonly name: string;
  readonly schemeMemberId: string;
  readonly familyNumber: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly qrText: string;
}

/** ISO/IEC 7810 ID-1, the size of a bank card: 85.60 × 53.98 mm, in PDF points (1/72 inch). */
export const id1Points = { width: (85.6 / 25.4) * 72, height: (53.98 / 25.4) * 72 } as const;

/** Error correction M (15 %): a ~240-byte card fits version 11 (61 modules), still 0.65 mm a module on the card. */
const errorCorrectionLevel = 'M';

/**
 * The card as a one-page PDF at ID-1 size: the fields on the left, the QR on the right drawn as
 * vector squares (sharp at any printer resolution), a quiet zone of 2 modules (the card's white
 * edge adds more). The scheme has no photos of members (face enrolment keeps a descriptor, never
 * an image), so the photo box says so rather than staying blank. The labels in the language of
 * whoever prints it (issue 19), in the bundled Noto Sans Devanagari (print/pdf-fonts.ts); the
 * card's fields are printed as the scheme holds them.
 */
export function renderECardPdf(card: PrintedECard, language: PrintLanguage = defaultPrintLanguage): Promise<Buffer> {
  const t = printTranslator(language);
  const doc = new PDFDocument({
    size: [id1Points.width, id1Points.height],
    margin: 0,
    lang: language,
    info: { Title: t('card.title', { serial: card.serial }), Author: card.schemeName },
    compress: true,
  });
  registerPrintFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const { width, height } = id1Points;
  const qr = QRCode.create(card.qrText, { errorCorrectionLevel });
  const modules = qr.modules.size;
  const qrSide = height - 22; // below the band, with a margin
  const cell = qrSide / (modules + 4);
  const qrX = width - qrSide - 6;
  const qrY = 18;
  // The band with the scheme's name.
  doc.rect(0, 0, width, 14).fill('#1d4e89');
  doc.fillColor('#ffffff');
  printText(doc, card.schemeName, 6, 3, { size: 7, isBold: true, width: width - 12, lineBreak: false, ellipsis: true });
  // The photo box: no photo is ever enrolled.
  doc.rect(6, 18, 26, 32).lineWidth(0.5).stroke('#888888');
  doc.fillColor('#888888');
  printText(doc, t('card.noPhoto'), 7, 30, { size: 3.5, width: 24, align: 'center' });
  const textX = 36;
  const textWidth = qrX - textX - 3;
  doc.fillColor('#000000');
  printText(doc, card.name, textX, 19, { size: 7, isBold: true, width: textWidth, height: 17, ellipsis: true });
  const field = (label: string, value: string, y: number) => {
    doc.fillColor('#555555');
    printText(doc, label, 6, y - 1, { size: 4.5, width: textX + textWidth - 6, lineBreak: false });
    doc.fillColor('#000000');
    printText(doc, value, 6, y + 4, { size: 6, isBold: true, width: textX + textWidth - 6, lineBreak: false, ellipsis: true });
  };
  field(t('card.schemeId'), card.schemeMemberId, 56);
  field(t('card.familyId'), card.familyNumber, 74);
  field(t('card.valid'), t('card.validRange', { from: card.validFrom, to: card.validTo }), 92);
  field(t('card.serial'), card.serial, 110);
  doc.fillColor('#555555');
  printText(doc, t('card.footer'), 6, height - 10, { size: 3.5, width: textX + textWidth - 6, lineBreak: false });
  // The QR: white quiet zone, then one black square per dark module.
  doc.rect(qrX, qrY, qrSide, qrSide).fill('#ffffff');
  for (let row = 0; row < modules; row += 1)
    for (let column = 0; column < modules; column += 1)
      if (qr.modules.get(row, column)) doc.rect(qrX + (column + 2) * cell, qrY + (row + 2) * cell, cell, cell);
  doc.fill('#000000');
  doc.end();
  return done;
}

/**
 * The card's QR as a PNG for a phone to show: `qrcode`'s own PNG encoder (pngjs), 8 pixels a
 * module and the standard 4-module quiet zone (~550 px for a usual card), black on white.
 */
export function renderECardPng(card: Pick<PrintedECard, 'qrText'>): Promise<Buffer> {
  return QRCode.toBuffer(card.qrText, { type: 'png', errorCorrectionLevel, margin: 4, scale: 8 });
}
