import PDFDocument from 'pdfkit';
import type { PatientBillValue } from '@contract/settlement';

/**
 * The itemised patient bill as a PDF (issue 14), printed at discharge: every line with the plan's
 * and the patient's part, the patient's charges by kind, what was paid, refunded or sent to a
 * secondary payer, and what is still owed. Built from the same read as GET /cases/:id/patient-bill,
 * so the paper and the screen cannot disagree. pdfkit's built-in Helvetica has no rupee sign:
 * amounts carry the currency code. Logs never see it; it carries the patient's name because the
 * patient takes it home.
 */
export function formatAmount(bill: Pick<PatientBillValue, 'currency' | 'locale' | 'minorPerUnit'>, minor: number): string {
  const digits = Math.round(Math.log10(bill.minorPerUnit));
  const number = new Intl.NumberFormat(bill.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / bill.minorPerUnit);
  return `${bill.currency} ${number}`;
}

const chargeLabels: Record<PatientBillValue['charges'][number]['kind'], string> = {
  shortfall: 'Not covered by the scheme (shortfall)',
  deductible: 'Deductible',
  coinsurance: 'Co-insurance',
  copay: 'Co-pay',
  uncovered: 'Items the plan does not cover',
  adjustment: 'Adjustments',
};
const methodLabels = { cash: 'Cash', card: 'Card', upi: 'UPI', secondary: 'Secondary payer' } as const;
const payerLabels = { 'serious-illness-fund': 'Serious-illness fund', 'commercial-top-up': 'Commercial top-up' } as const;

/**
 * What CPD's decision did to a line, said on the line: the scheme's part is then what it pays after
 * the decision, and the rest is the hospital's, never the patient's (money/claim-adjustment.ts).
 */
function decisionNote(line: PatientBillValue['lines'][number], money: (minor: number) => string): string {
  switch (line.claimDecision) {
    case null:
    case 'full':
      return '';
    case 'deny':
      return ` - denied by the scheme: ${money(line.writtenOff)} not billable to the patient`;
    case 'partial':
      return ` - cut by the scheme to ${money(line.planPart)}: ${money(line.writtenOff)} not billable to the patient`;
  }
}

export function renderPatientBillPdf(bill: PatientBillValue): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, info: { Title: `Patient bill ${bill.caseId}`, Author: bill.hospitalName }, compress: true });
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
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    let height = 0;
    cells.forEach((cell, index) => {
      const column = columns[index]!;
      height = Math.max(height, doc.heightOfString(cell, { width: column.width - 4 }));
      doc.text(cell, column.x, y, { width: column.width - 4, align: column.align });
    });
    doc.x = left;
    doc.y = y + height + 3;
  };
  const pair = (label: string, value: string, bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    doc.text(label, left, y, { width: width - 110 });
    doc.text(value, left + width - 110, y, { width: 110, align: 'right' });
    doc.x = left;
  };

  doc.font('Helvetica-Bold').fontSize(15).text(bill.hospitalName, { align: 'left' });
  doc.font('Helvetica').fontSize(10).text(`Hospital ${bill.hospitalCode} - Itemised patient bill`);
  doc.moveDown(0.5);
  doc.text(`Patient: ${bill.memberName} (scheme member ${bill.schemeMemberId})`);
  doc.text(`Case: ${bill.caseId}${bill.packageCode ? ` - package ${bill.packageCode}` : ''}`);
  doc.text(
    `Admitted: ${bill.admittedAt.slice(0, 16).replace('T', ' ')} UTC${bill.dischargedAt ? ` - discharged: ${bill.dischargedAt.slice(0, 16).replace('T', ' ')} UTC` : ' - still admitted'}`,
  );
  doc.moveDown(0.8);

  row(['Service or item', 'Qty x price', 'Amount', 'Scheme pays', 'Patient pays'], true);
  for (const line of bill.lines) {
    const isVoided = line.status === 'voided';
    row([
      `${line.description} (${line.itemCode})${isVoided ? ' - VOIDED' : ''}${isVoided ? '' : decisionNote(line, money)}`,
      `${line.quantity} x ${money(line.unitPrice)}`,
      money(line.amount),
      isVoided ? '-' : money(line.planPart),
      isVoided ? '-' : money(line.patientPart),
    ]);
  }
  row(['Total', '', money(bill.totals.amount), money(bill.totals.planPart), money(bill.totals.patientPart)], true);
  if (bill.totals.writtenOff > 0) {
    doc.moveDown(0.3);
    pair("Denied or cut by the scheme, not billable to the patient (the hospital's)", money(bill.totals.writtenOff));
  }
  doc.moveDown(0.8);

  doc.font('Helvetica-Bold').fontSize(11).text("The patient's part");
  doc.moveDown(0.2);
  for (const charge of bill.charges) pair(chargeLabels[charge.kind], money(charge.amount));
  pair('Charged', money(bill.account.charged), true);
  if (bill.account.paid > 0) pair('Paid by the patient', money(bill.account.paid));
  if (bill.account.secondary > 0) pair('Sent to secondary payers', money(bill.account.secondary));
  // What reversals took back from secondary claims (migration 043): before the payer decided, and after.
  const withdrawn = bill.secondaryClaims.reduce((sum, claim) => sum + claim.withdrawnAmount, 0);
  const refundDue = bill.secondaryClaims.reduce((sum, claim) => sum + claim.refundDue, 0);
  if (withdrawn > 0) pair('Withdrawn from secondary claims', money(withdrawn));
  if (refundDue > 0) pair('Refund due to secondary payers', money(refundDue));
  if (bill.account.refunded > 0) pair('Refunded', money(bill.account.refunded));
  pair('Balance due', money(bill.account.owed), true);
  if (bill.account.credit > 0) pair('Credit to refund', money(bill.account.credit), true);
  doc.moveDown(0.8);

  if (bill.payments.length > 0) {
    doc.font('Helvetica-Bold').fontSize(11).text('Receipts');
    doc.moveDown(0.2);
    for (const payment of bill.payments) {
      const what = `${payment.receiptNumber}  ${payment.takenAt.slice(0, 16).replace('T', ' ')} UTC  ${payment.direction === 'refund' ? 'Refund' : 'Payment'} by ${methodLabels[payment.method]}${payment.secondaryPayer ? ` (${payerLabels[payment.secondaryPayer]})` : ''}`;
      pair(what, `${payment.direction === 'refund' ? '-' : ''}${money(payment.amount)}`);
    }
  }
  doc.moveDown(1);
  doc
    .font('Helvetica')
    .fontSize(8)
    .text(
      `Computed ${bill.computedAt}. Amounts in ${bill.currency}. The scheme's part is paid by the scheme to the hospital; the patient pays only the patient's part.`,
    );
  doc.end();
  return done;
}
