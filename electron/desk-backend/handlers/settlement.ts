// The patient's bill and settlement at the desk (issue 14): read and print the bill, take a payment, give money back, receipts.
import { randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { uuidPattern } from '@contract/commands';
import { commandAnswers } from '@contract/results';
import { paymentInputProblem } from '@domain/payment-input';
import {
  isPrintLanguage,
  type DeskError,
  type DeskPaymentView,
  type PaymentMethod,
  type PaymentReceiptAtDesk,
  type SecondaryPayer,
} from '../../desk-api/contract';
import { usableSigner } from '../operator-key';
import { ServerCallError } from '../server-client';
import { failure, ok, type HandlerModule } from './context';

type SettlementChannel = 'settlement.bill' | 'settlement.takePayment' | 'settlement.receipt' | 'settlement.billPdf' | 'settlement.refund';

/** take-payment's 200 answer as the server stores and replays it (contract/results.ts), compiled once. */
const takePaymentAnswer = Compile(commandAnswers['take-payment']);
const refundAnswer = Compile(commandAnswers['refund-payment']);
const uuid = new RegExp(uuidPattern);

interface PaymentOutboxRow {
  readonly body: string;
  readonly state: 'pending' | 'answered';
  readonly status: number | null;
  readonly answer: string | null;
}

/** The body this desk queued (it wrote it itself: validated by the command schema before it was queued). */
interface QueuedPaymentBody {
  readonly paymentId: string;
  readonly caseId: string;
  readonly amount: number;
  readonly method: PaymentMethod;
  readonly reference?: string;
  readonly secondaryPayer?: SecondaryPayer;
  readonly takenAt: string;
}

/** The refund-payment body this desk queued (written by `settlement.refund` below, checked before it was queued). */
interface QueuedRefundBody {
  readonly refundId: string;
  readonly caseId: string;
  readonly amount: number;
  readonly method: Exclude<PaymentMethod, 'secondary'>;
  readonly reference?: string;
  readonly reason: string;
  readonly takenAt: string;
}

function refusalOf(row: PaymentOutboxRow): DeskError {
  const answer: unknown = row.answer === null ? null : JSON.parse(row.answer);
  const fields = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {};
  return {
    code: typeof fields.code === 'string' ? fields.code : 'refused',
    message: typeof fields.message === 'string' ? fields.message : 'The server refused this payment.',
    ...(typeof fields.details === 'object' && fields.details !== null ? { details: fields.details as Record<string, unknown> } : {}),
  };
}

const offlineBill: DeskError = {
  code: 'offline-unavailable',
  message: 'The patient bill comes from the server, which cannot be reached now. Payments taken here are queued and sent when the desk is online.',
};

/**
 * Payments are queued like every desk command: the payment id and the time it was taken are fixed
 * when the operator takes it, so a desk that pushes the same outbox again (a lost answer, a
 * restart) is answered from the server's stored answer and the cash is taken once. No optimistic
 * pending row: payments are not replicated, so no pulled row would ever clear one; the outbox row
 * itself is what the bill shows as queued until the server has answered it.
 */
export const settlementHandlers: HandlerModule<SettlementChannel> = (desk, { slot, requireMedco, queue }) => {
  /**
   * This desk's payments and refunds of a case in the outbox, in the order they were taken. A
   * refund queued offline is money the desk has promised out of the credit: the bill must show
   * it as pending, as it shows a queued payment, or the operator could give the same credit twice.
   */
  const outboxMoney = (caseId: string): (PaymentOutboxRow & { readonly name: 'take-payment' | 'refund-payment' })[] =>
    desk.db
      .prepare(
        "SELECT name, body, state, status, answer FROM outbox WHERE name IN ('take-payment', 'refund-payment') AND json_extract(body, '$.caseId') = ? ORDER BY sequence",
      )
      .all(caseId) as (PaymentOutboxRow & { readonly name: 'take-payment' | 'refund-payment' })[];
  const outboxPayment = (paymentId: string): PaymentOutboxRow | undefined =>
    desk.db.prepare("SELECT body, state, status, answer FROM outbox WHERE name = 'take-payment' AND json_extract(body, '$.paymentId') = ?").get(paymentId) as
      PaymentOutboxRow | undefined;
  const outboxRefund = (refundId: string): PaymentOutboxRow | undefined =>
    desk.db.prepare("SELECT body, state, status, answer FROM outbox WHERE name = 'refund-payment' AND json_extract(body, '$.refundId') = ?").get(refundId) as
      PaymentOutboxRow | undefined;

  return {
    'settlement.bill': async ({ caseId }) => {
      const refused = requireMedco();
      if (refused) return refused;
      if (typeof caseId !== 'string' || !uuid.test(caseId)) return failure('invalid-input', 'Open a case first: the case id is not valid.');
      // Read this desk's payments before the bill: one answered in between is then in the bill, never in neither.
      const deskPayments: DeskPaymentView[] = outboxMoney(caseId)
        .filter((row) => row.state === 'pending' || row.status !== 200)
        .map((row) => {
          const state = row.state === 'pending' ? 'queued' : 'refused';
          const rejection = row.state === 'pending' ? null : refusalOf(row);
          if (row.name === 'refund-payment') {
            const body = JSON.parse(row.body) as QueuedRefundBody;
            return {
              paymentId: body.refundId,
              direction: 'refund',
              caseId: body.caseId,
              method: body.method,
              amount: body.amount,
              reference: body.reference ?? null,
              secondaryPayer: null,
              takenAt: body.takenAt,
              reason: body.reason,
              state,
              rejection,
            } satisfies DeskPaymentView;
          }
          const body = JSON.parse(row.body) as QueuedPaymentBody;
          return {
            paymentId: body.paymentId,
            direction: 'payment',
            caseId: body.caseId,
            method: body.method,
            amount: body.amount,
            reference: body.reference ?? null,
            secondaryPayer: body.secondaryPayer ?? null,
            takenAt: body.takenAt,
            reason: null,
            state,
            rejection,
          } satisfies DeskPaymentView;
        });
      const client = desk.client();
      const operatorId = slot.session?.operatorId;
      if (!client || !operatorId) return ok({ bill: null, unavailable: offlineBill, deskPayments });
      // The read carries the operator's proof (issue 13 item 4), as a member search does.
      const usable = usableSigner(slot.signer, new Date());
      if (!usable.ok) return ok({ bill: null, unavailable: usable.error, deskPayments });
      try {
        const bill = await client.patientBill(operatorId, caseId, usable.signer.requestProof('patient-bill', { caseId }));
        const taken = new Set(bill.payments.map((payment) => payment.paymentId));
        return ok({ bill, unavailable: null, deskPayments: deskPayments.filter((payment) => !taken.has(payment.paymentId)) });
      } catch (error) {
        if (!(error instanceof ServerCallError)) throw error;
        const unavailable: DeskError =
          error.fault.kind === 'unreachable'
            ? offlineBill
            : { code: error.fault.kind === 'refused' ? error.fault.code : 'bad-answer', message: error.fault.message };
        return ok({ bill: null, unavailable, deskPayments });
      }
    },

    'settlement.takePayment': async ({ caseId, amount, method, reference, secondaryPayer }) => {
      const refused = requireMedco();
      if (refused) return refused;
      if (!Number.isSafeInteger(amount) || amount <= 0)
        return failure('invalid-input', 'Enter the amount the patient pays now: more than zero.', { field: 'amount' });
      const problem = paymentInputProblem({ method, reference, secondaryPayer });
      if (problem) return failure('invalid-input', problem.message, { field: problem.field });
      if (typeof caseId !== 'string' || !uuid.test(caseId) || desk.familyOfCase(caseId) === null)
        return failure('not-found', 'There is no such case on this desk.');
      const paymentId = randomUUID();
      const body = {
        paymentId,
        caseId,
        amount,
        method,
        ...(reference !== undefined ? { reference: reference.trim() } : {}),
        ...(secondaryPayer !== undefined ? { secondaryPayer } : {}),
        // When the operator took it: the shift it counts in, however late the desk reconnects.
        takenAt: new Date().toISOString(),
      };
      const result = queue('take-payment', body);
      return result.ok ? ok({ paymentId }) : result;
    },

    'settlement.billPdf': async ({ caseId, language }) => {
      const refused = requireMedco();
      if (refused) return refused;
      if (typeof caseId !== 'string' || !uuid.test(caseId)) return failure('invalid-input', 'Open a case first: the case id is not valid.');
      if (language !== undefined && !isPrintLanguage(language)) return failure('invalid-input', 'Choose English, Hindi or Marathi for the printed bill.');
      const client = desk.client();
      const operatorId = slot.session?.operatorId;
      if (!client || !operatorId) return failure(offlineBill.code, 'The bill is printed from the server, which cannot be reached now.');
      const usable = usableSigner(slot.signer, new Date());
      if (!usable.ok) return usable;
      try {
        const pdf = await client.patientBillPdf(operatorId, caseId, usable.signer.requestProof('patient-bill', { caseId }), language);
        return ok({ fileName: `patient-bill-${caseId}.pdf`, pdfBase64: pdf.toString('base64') });
      } catch (error) {
        if (!(error instanceof ServerCallError)) throw error;
        if (error.fault.kind === 'unreachable') return failure(offlineBill.code, 'The bill is printed from the server, which cannot be reached now.');
        return failure(error.fault.kind === 'refused' ? error.fault.code : 'bad-answer', error.fault.message);
      }
    },

    'settlement.refund': async ({ caseId, amount, method, reference, reason }) => {
      const refused = requireMedco();
      if (refused) return refused;
      if (!Number.isSafeInteger(amount) || amount <= 0) return failure('invalid-input', 'Enter the amount given back: more than zero.', { field: 'amount' });
      if (method !== 'cash' && method !== 'card' && method !== 'upi')
        return failure('invalid-input', 'Give money back in cash, to the card or by UPI.', { field: 'method' });
      const trimmed = typeof reference === 'string' ? reference.trim() : '';
      if (method !== 'cash' && trimmed === '')
        return failure('invalid-input', `A ${method === 'card' ? 'card' : 'UPI'} refund needs its refund reference.`, { field: 'reference' });
      if (method === 'cash' && trimmed !== '') return failure('invalid-input', 'A cash refund has no reference: leave it empty.', { field: 'reference' });
      if (typeof reason !== 'string' || reason.trim().length < 5 || reason.trim().length > 500)
        return failure('invalid-input', 'Say why the patient gets money back (5 to 500 characters).', { field: 'reason' });
      if (typeof caseId !== 'string' || !uuid.test(caseId) || desk.familyOfCase(caseId) === null)
        return failure('not-found', 'There is no such case on this desk.');
      const refundId = randomUUID();
      const result = queue('refund-payment', {
        refundId,
        caseId,
        amount,
        method,
        ...(method !== 'cash' ? { reference: trimmed } : {}),
        reason: reason.trim(),
        takenAt: new Date().toISOString(),
      });
      return result.ok ? ok({ refundId }) : result;
    },

    'settlement.receipt': async ({ paymentId }) => {
      const refused = requireMedco();
      if (refused) return refused;
      const refund = typeof paymentId === 'string' ? outboxRefund(paymentId) : undefined;
      if (refund) {
        const body = JSON.parse(refund.body) as { amount: number; takenAt: string };
        if (refund.state === 'pending') return ok({ state: 'queued', paymentId, amount: body.amount, takenAt: body.takenAt } satisfies PaymentReceiptAtDesk);
        if (refund.status !== 200) return ok({ state: 'refused', paymentId, error: refusalOf(refund) } satisfies PaymentReceiptAtDesk);
        const answer: unknown = JSON.parse(refund.answer ?? 'null');
        if (!refundAnswer.Check(answer)) return failure('bad-answer', "The server's answer to this refund is not one this desk understands.");
        const { receiptNumber, method, amount, takenAt, account } = answer.result;
        return ok({ state: 'answered', paymentId, receiptNumber, method, amount, takenAt, account } satisfies PaymentReceiptAtDesk);
      }
      const row = typeof paymentId === 'string' ? outboxPayment(paymentId) : undefined;
      if (!row)
        return failure('not-found', 'This desk has no payment with this id (answered payments are kept here for a day); the patient bill lists every receipt.');
      const body = JSON.parse(row.body) as QueuedPaymentBody;
      if (row.state === 'pending') return ok({ state: 'queued', paymentId, amount: body.amount, takenAt: body.takenAt } satisfies PaymentReceiptAtDesk);
      if (row.status !== 200) return ok({ state: 'refused', paymentId, error: refusalOf(row) } satisfies PaymentReceiptAtDesk);
      const answer: unknown = JSON.parse(row.answer ?? 'null');
      if (!takePaymentAnswer.Check(answer)) return failure('bad-answer', "The server's answer to this payment is not one this desk understands.");
      const { receiptNumber, method, amount, takenAt, account } = answer.result;
      return ok({ state: 'answered', paymentId, receiptNumber, method, amount, takenAt, account } satisfies PaymentReceiptAtDesk);
    },
  };
};
