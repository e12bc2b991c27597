import { describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import type { PatientBillValue } from '@contract/settlement';
import { formatAmount, renderPatientBillPdf } from './bill-pdf';

/** The PDF read back as text, page by page (pdf.js through unpdf: someone else's parser, not ours). */
async function textOf(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const document = await getDocumentProxy(new Uint8Array(pdf));
  const { totalPages, text } = await extractText(document, { mergePages: true });
  return { pages: totalPages, text: text.replace(/\s+/g, ' ') };
}

const base: PatientBillValue = {
  caseId: '11111111-2222-4333-8444-555555555555',
  caseStatus: 'discharged',
  hospitalCode: 'HSP-B',
  hospitalName: 'District Hospital Satara',
  memberId: '00000000-0000-4000-8000-0000000f0012',
  memberName: 'Sunita Patil',
  schemeMemberId: 'PMJ-S1000002',
  packageCode: 'MG006A',
  admittedAt: '2026-03-01T08:00:00.000Z',
  dischargedAt: '2026-03-04T10:30:00.000Z',
  currency: 'INR',
  locale: 'en-IN',
  minorPerUnit: 100,
  lines: [
    {
      bookingId: 'aaaaaaaa-0000-4000-8000-000000000001',
      itemCode: 'WARD',
      description: 'Ward stay',
      quantity: 5,
      unitPrice: 100_000,
      amount: 500_000,
      planPart: 400_000,
      patientPart: 100_000,
      writtenOff: 0,
      claimDecision: null,
      status: 'active',
      bookedAt: '2026-03-01T09:00:00.000Z',
    },
    {
      bookingId: 'aaaaaaaa-0000-4000-8000-000000000002',
      itemCode: 'CT',
      description: 'CT scan',
      quantity: 1,
      unitPrice: 250_000,
      amount: 250_000,
      planPart: 0,
      patientPart: 0,
      writtenOff: 0,
      claimDecision: null,
      status: 'voided',
      bookedAt: '2026-03-02T09:00:00.000Z',
    },
  ],
  totals: { amount: 500_000, planPart: 400_000, patientPart: 100_000, writtenOff: 0 },
  charges: [{ kind: 'shortfall', amount: 100_000 }],
  account: { charged: 100_000, paid: 40_000, refunded: 0, secondary: 50_000, owed: 10_000, credit: 0 },
  payments: [
    {
      paymentId: 'bbbbbbbb-0000-4000-8000-000000000001',
      caseId: '11111111-2222-4333-8444-555555555555',
      receiptNumber: 'HSP-B-R000001',
      direction: 'payment',
      method: 'cash',
      amount: 40_000,
      reference: null,
      secondaryPayer: null,
      operatorId: '00000000-0000-4000-8000-000000000e01',
      takenAt: '2026-03-04T10:40:00.000Z',
      receivedAt: '2026-03-04T10:40:01.000Z',
    },
    {
      paymentId: 'bbbbbbbb-0000-4000-8000-000000000002',
      caseId: '11111111-2222-4333-8444-555555555555',
      receiptNumber: 'HSP-B-R000002',
      direction: 'payment',
      method: 'secondary',
      amount: 50_000,
      reference: 'SIF-2026-0042',
      secondaryPayer: 'serious-illness-fund',
      operatorId: '00000000-0000-4000-8000-000000000e01',
      takenAt: '2026-03-04T10:41:00.000Z',
      receivedAt: '2026-03-04T10:41:01.000Z',
    },
  ],
  secondaryClaims: [],
  computedAt: '2026-03-04T10:45:00.000Z',
};

describe('the itemised patient bill as PDF', () => {
  it('amounts in the scheme currency and locale, from minor units', () => {
    expect(formatAmount(base, 12_345_678)).toBe('INR 1,23,456.78');
    expect(formatAmount({ ...base, locale: 'en-US', currency: 'USD' }, 500)).toBe('USD 5.00');
  });

  it("states each line with the scheme's and the patient's part, the charges, the receipts and the balance", async () => {
    const { pages, text } = await textOf(await renderPatientBillPdf(base));
    expect(pages).toBe(1);
    for (const expected of [
      'District Hospital Satara',
      'Sunita Patil',
      'PMJ-S1000002',
      'Ward stay (WARD)',
      '5 x INR 1,000.00',
      'INR 5,000.00 INR 4,000.00 INR 1,000.00',
      'CT scan (CT) - VOIDED',
      'Total INR 5,000.00 INR 4,000.00 INR 1,000.00',
      'Not covered by the scheme (shortfall) INR 1,000.00',
      'Paid by the patient INR 400.00',
      'Sent to secondary payers INR 500.00',
      'Balance due INR 100.00',
      'HSP-B-R000001',
      'Payment by Cash',
      'HSP-B-R000002',
      'Payment by Secondary payer (Serious-illness fund)',
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toContain('Credit to refund');
  });

  it('a long stay runs over pages and keeps every line', async () => {
    const lines = Array.from({ length: 120 }, (_, index) => ({
      ...base.lines[0]!,
      bookingId: `aaaaaaaa-0000-4000-8000-${String(index).padStart(12, '0')}`,
      description: `Day ${index + 1} ward`,
      itemCode: `D${index + 1}`,
    }));
    const { pages, text } = await textOf(await renderPatientBillPdf({ ...base, lines }));
    expect(pages).toBeGreaterThan(2);
    for (let index = 1; index <= 120; index += 1) expect(text).toContain(`Day ${index} ward (D${index})`);
  });
});

/**
 * Issue 19: the bill in the operator's language, Devanagari drawn from the bundled Noto Sans
 * Devanagari. pdf.js reads text back in the order the glyphs are drawn, which for Devanagari puts a
 * pre-base vowel sign (ि) and a reph before the consonant they belong to, as every PDF does; so
 * the strings checked here are ones whose glyph order is their spelling, and spaces (which pdf.js
 * infers from glyph gaps) are not compared.
 */
describe('the patient bill in Hindi and Marathi (issue 19)', () => {
  const squeeze = (text: string) => text.replace(/\s+/g, '');

  it('Marathi: headings, labels and receipts in Devanagari, amounts in the Indian grouping', async () => {
    const pdf = await renderPatientBillPdf(base, 'mr');
    expect(pdf.toString('latin1')).toContain('NotoSansDevanagari');
    const { pages, text } = await textOf(pdf);
    expect(pages).toBe(1);
    for (const expected of [
      'रुग्णालय HSP-B - तपशीलवार रुग्ण',
      'रुग्ण: Sunita Patil (योजना सदस्य PMJ-S1000002)',
      'बाब',
      'रक्कम',
      'योजना देणार',
      'रुग्ण देणार',
      'Ward stay (WARD)',
      'CT scan (CT) - रद्द',
      'एकूण INR 5,000.00 INR 4,000.00 INR 1,000.00',
      'नाही (तूट) INR 1,000.00',
      'रुग्णाने भरलेले INR 400.00',
      'बाकी देय रक्कम INR 100.00',
      'पावत्या',
      'HSP-B-R000001',
      'रोख द्वारे देयक',
    ]) {
      expect(squeeze(text), expected).toContain(squeeze(expected));
    }
    expect(text).not.toContain('Balance due');
  });

  it('Hindi: the same bill in Hindi', async () => {
    const { text } = await textOf(await renderPatientBillPdf(base, 'hi'));
    for (const expected of ['मरीज़: Sunita Patil', 'कुल INR 5,000.00', 'शेष देय रा', 'रसीदें', 'नकद द्वारा भुगतान', 'गंभीर बीमारी']) {
      expect(squeeze(text), expected).toContain(squeeze(expected));
    }
  });
});
