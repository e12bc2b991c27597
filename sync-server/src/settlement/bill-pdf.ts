import PDFDocument from 'pdfkit';
import type { PatientBillValue } from '@contract/settlement';
import { printText, printTextHeight, registerPrintFonts } from '../print/pdf-fonts';
import { defaultPrintLanguage, printTranslator, type PrintLanguage, type PrintMessageId, type PrintTranslate } from '../print/print-language';

/**
 * The itemised patient bill as a PDF (issue 14), printed at discharge: every line with the plan's
 * and the patient's part, the patient's charges by kind, what was paid, refunded or sent to a
 * secondary payer, and what is still owed. Built from the same read as GET /cases/:id/patient-bill,
 * so the paper and the screen cannot disagree. In the operator's language (issue 19: English, Hindi
 * or Marathi, print/print-language.ts) in the bundled Noto Sans Devanagari (print/pdf-fonts.ts);
 * amounts in the scheme's locale (Indian grouping) with the currency code in every language, as
 * the monthly report writes them. Logs never see it; it carries the patient's name because the
 * patient takes it home.
 */
export function formatAmount(bill: Pick<PatientBillValue, 'currency' | 'locale' | 'minorPerUnit'>, minor: number): string {
  const digits = Math.round(Math.log10(bill.minorPerUnit));
  const number = new Intl.NumberFormat(bill.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / bill.minorPerUnit);
  return `${bill.currency} ${number}`;
}

const chargeLabels = {
  shortfall: 'bill.charge.shortfall',
  deductible: 'bill.charge.deductible',
  coinsurance: 'bill.charge.coinsurance',
  copay: 'bill.charge.copay',
  uncovered: 'bill.charge.uncovered',
  adjustment: 'bill.charge.adjustment',
} as const satisfies Record<PatientBillValue['charges'][number]['kind'], PrintMessageId>;
const methodLabels = {
  cash: 'bill.method.cash',
  card: 'bill.method.card',
  upi: 'bill.method.upi',
  secondary: 'bill.method.secondary',
} as const satisfies Record<PatientBillValue['payments'][number]['method'], PrintMessageId>;
const payerLabels = { 'serious-illness-fund': 'bill.payer.seriousIllnessFund', 'commercial-top-up': 'bill.payer.commercialTopUp' } as const satisfies Record<
  NonNullable<PatientBillValue['payments'][number]['secondaryPayer']>,
  PrintMessageId
>;

/**
 * A line's description, and what CPD's decision did to it, said on the line: the scheme's part is
 * then what it pays after the decision, and the rest is the hospital's, never the patient's
 * (money/claim-adjustment.ts).
 */
function lineText(line: PatientBillValue['lines'][number], money: (minor: number) => string, t: PrintTranslate): string {
  const what = { description: line.description, itemCode: line.itemCode };
  if (line.status === 'voided') return t('bill.line.voided', what);
  switch (line.claimDecision) {
    case null:
    case 'full':
      return t('bill.line', what);
    case 'deny':
      return t('bill.line.denied', { ...what, writtenOff: money(line.writtenOff) });
    case 'partial':
      return t('bill.line.cut', { ...what, planPart: money(line.planPart), writtenOff: money(line.writtenOff) });
  }
}

const utc = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function renderPatientBillPdf(bill: PatientBillValue, language: PrintLanguage = defaultPrintLanguage): Promise<Buffer> {
  const t = printTranslator(language);
  const doc = new PDFDocument({
    size: 'A4',
    margin: 40,
    lang: language,
    info: { Title: t('bill.title', { caseId: bill.caseId }), Author: bill.hospitalName },
    compress: true,
  });
  registerPrintFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const money = (minor: number) => formatAmount(bill, minor);
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  // Columns of the line table: description, quantity × price, amount, plan, patient.
  const columns = [
    { x: left, width: 190, align: 'left' as const },
    { x: left + 190, width: 95, align: 'right' as const },
    { x: left + 285, width: 80, align: 'right' as const },
    { x: left + 365, width: 75, align: 'right' as const },
    { x: left + 440, width: width - 440, align: 'right' as const },
  ];
  const row = (cells: readonly string[], bold = false) => {
    const bottom = doc.page.height - doc.page.margins.bottom;
    if (doc.y + 28 > bottom) doc.addPage();
    const y = doc.y;
    let height = 0;
    cells.forEach((cell, index) => {
      const column = columns[index]!;
      height = Math.max(height, printTextHeight(doc, cell, { size: 9, isBold: bold, width: column.width - 4 }));
      printText(doc, cell, column.x, y, { size: 9, isBold: bold, width: column.width - 4, align: column.align });
    });
    doc.x = left;
    doc.y = y + height + 3;
  };
  const pair = (label: string, value: string, bold = false) => {
    const y = doc.y;
    const height = printTextHeight(doc, label, { size: 10, isBold: bold, width: width - 110 });
    printText(doc, label, left, y, { size: 10, isBold: bold, width: width - 110 });
    printText(doc, value, left + width - 110, y, { size: 10, isBold: bold, width: 110, align: 'right' });
    doc.x = left;
    doc.y = y + height;
  };

  // Each paragraph below the last: printText places it, then the document's cursor is moved past it.
  const paragraph = (text: string, size: number, isBold = false) => {
    const y = doc.y;
    const height = printTextHeight(doc, text, { size, isBold, width });
    printText(doc, text, left, y, { size, isBold, width });
    doc.x = left;
    doc.y = y + height;
  };
  const gap = (lines: number) => {
    doc.fontSize(10).moveDown(lines);
  };

  paragraph(bill.hospitalName, 15, true);
  paragraph(t('bill.heading', { code: bill.hospitalCode }), 10);
  gap(0.5);
  paragraph(t('bill.patient', { name: bill.memberName, schemeMemberId: bill.schemeMemberId }), 10);
  paragraph(bill.packageCode ? t('bill.casePackage', { caseId: bill.caseId, packageCode: bill.packageCode }) : t('bill.case', { caseId: bill.caseId }), 10);
  paragraph(
    bill.dischargedAt
      ? t('bill.admittedDischarged', { admitted: utc(bill.admittedAt), discharged: utc(bill.dischargedAt) })
      : t('bill.admittedStill', { admitted: utc(bill.admittedAt) }),
    10,
  );
  gap(0.8);

  row([t('bill.column.item'), t('bill.column.quantity'), t('bill.column.amount'), t('bill.column.plan'), t('bill.column.patient')], true);
  for (const line of bill.lines) {
    const isVoided = line.status === 'voided';
    row([
      lineText(line, money, t),
      `${line.quantity} x ${money(line.unitPrice)}`,
      money(line.amount),
      isVoided ? '-' : money(line.planPart),
      isVoided ? '-' : money(line.patientPart),
    ]);
  }
  row([t('bill.total'), '', money(bill.totals.amount), money(bill.totals.planPart), money(bill.totals.patientPart)], true);
  if (bill.totals.writtenOff > 0) {
    gap(0.3);
    pair(t('bill.writtenOff'), money(bill.totals.writtenOff));
  }
  gap(0.8);

  paragraph(t('bill.patientPart'), 11, true);
  gap(0.2);
  for (const charge of bill.charges) pair(t(chargeLabels[charge.kind]), money(charge.amount));
  pair(t('bill.charged'), money(bill.account.charged), true);
  if (bill.account.paid > 0) pair(t('bill.paid'), money(bill.account.paid));
  if (bill.account.secondary > 0) pair(t('bill.secondary'), money(bill.account.secondary));
  // What reversals took back from secondary claims (migration 043): before the payer decided, and after.
  const withdrawn = bill.secondaryClaims.reduce((sum, claim) => sum + claim.withdrawnAmount, 0);
  const refundDue = bill.secondaryClaims.reduce((sum, claim) => sum + claim.refundDue, 0);
  if (withdrawn > 0) pair(t('bill.withdrawn'), money(withdrawn));
  if (refundDue > 0) pair(t('bill.refundDue'), money(refundDue));
  if (bill.account.refunded > 0) pair(t('bill.refunded'), money(bill.account.refunded));
  pair(t('bill.owed'), money(bill.account.owed), true);
  if (bill.account.credit > 0) pair(t('bill.credit'), money(bill.account.credit), true);
  gap(0.8);

  if (bill.payments.length > 0) {
    paragraph(t('bill.receipts'), 11, true);
    gap(0.2);
    for (const payment of bill.payments) {
      const method = payment.secondaryPayer
        ? t('bill.methodWithPayer', { method: t(methodLabels[payment.method]), payer: t(payerLabels[payment.secondaryPayer]) })
        : t(methodLabels[payment.method]);
      const what = t('bill.receipt', { receipt: payment.receiptNumber, time: utc(payment.takenAt), direction: payment.direction, method });
      pair(what, `${payment.direction === 'refund' ? '-' : ''}${money(payment.amount)}`);
    }
  }
  gap(1);
  paragraph(t('bill.footer', { computedAt: bill.computedAt, currency: bill.currency }), 8);
  doc.end();
  return done;
}
