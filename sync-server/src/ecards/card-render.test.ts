import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { renderECardPdf, type PrintedECard } from './card-render';

const card: PrintedECard = {
  serial: 'EC-00000042',
  schemeName: 'Pradhan Mantri Jan Arogya Yojana',
  name: 'सुनीता पाटील',
  schemeMemberId: 'PMJ-S1000002',
  familyNumber: 'FAM-0002',
  validFrom: '2026-04-01',
  validTo: '2027-03-31',
  qrText: 'CD1.EC-00000042.example',
};

async function textOf(pdf: Buffer): Promise<string> {
  const document = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(document, { mergePages: true });
  return text.replace(/\s+/g, '');
}

/** Issue 19: the e-card's labels in the printing operator's language, from the bundled font (see bill-pdf.test.ts on pdf.js's glyph order). */
describe('the e-card PDF in the operator language (issue 19)', () => {
  it('English labels by default', async () => {
    const text = await textOf(await renderECardPdf(card));
    for (const expected of ['SchemeID', 'PMJ-S1000002', 'FamilyID', '2026-04-01to2027-03-31', 'EC-00000042']) expect(text).toContain(expected);
  });

  it('Marathi labels, and a Devanagari name drawn from the bundled font', async () => {
    const pdf = await renderECardPdf(card, 'mr');
    expect(pdf.toString('latin1')).toContain('NotoSansDevanagari');
    const text = await textOf(pdf);
    for (const expected of ['योजनाआयडी', 'PMJ-S1000002', 'कुटुंबआयडी', '2026-04-01ते2027-03-31', 'EC-00000042', 'सुनीतापाटील', 'स्कॅनकरा.']) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toContain('SchemeID');
  });

  it('Hindi labels', async () => {
    const text = await textOf(await renderECardPdf(card, 'hi'));
    for (const expected of ['वैधता', '2026-04-01से2027-03-31तक', 'योजनाडेस्कपरस्कैनकरें।']) expect(text, expected).toContain(expected);
  });
});
