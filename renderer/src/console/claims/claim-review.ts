/**
 * CEX and CPD work on claims line by line. Pure helpers: which claims each stage works, the
 * decisions a review starts from, and turning what the reviewer typed into the command's lines
 * (the server checks everything again: a partial line must be below the line's payer amount, or
 * it answers 400, and every line not approved in full needs a reason code).
 */
import { reasonCodes, type LineDecision, type ReasonCode } from '@domain/adjudication';
import type { MessageId } from '../../i18n/catalog';
import { amountProblemText } from '../../i18n/amount-problem';
import { english, type Translate } from '../../i18n/translate';
import { formatMoney, minorToInput, parseAmount, type MoneyFormat } from '../../shared/money';
import { claimReasonLabel } from '../../shared/labels';
import type { ConsoleClaim, ConsoleClaimLine } from '../data/documents';

export type ClaimStage = 'cex' | 'cpd';

/** Supporting-document metadata declared with the claim (name, kind, size, SHA-256). */
export type ClaimDocument = ConsoleClaim['documents'][number];

/** The console feed's claim, with its documents and payment reference (sync-server/contract/console.ts). */
export type ReviewClaim = ConsoleClaim;

/** What CEX works (submitted) and what CPD works (processed), oldest first. */
export function claimsToReview(claims: readonly ReviewClaim[], stage: ClaimStage): ReviewClaim[] {
  const status = stage === 'cex' ? 'submitted' : 'processed';
  return claims.filter((c) => c.status === status).sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.id.localeCompare(b.id));
}

/** Claims that have left this stage, newest first. */
export function claimsReviewed(claims: readonly ReviewClaim[], stage: ClaimStage, limit = 10): ReviewClaim[] {
  const statuses = stage === 'cex' ? ['processed', 'approved', 'denied', 'paid'] : ['approved', 'denied', 'paid'];
  const at = (c: ReviewClaim) => (stage === 'cex' ? c.processedAt : c.verifiedAt) ?? c.submittedAt;
  return claims
    .filter((c) => statuses.includes(c.status))
    .sort((a, b) => at(b).localeCompare(at(a)))
    .slice(0, limit);
}

export interface LineDraft {
  readonly bookingId: string;
  readonly decision: LineDecision;
  /** What the reviewer typed for a partial line, in currency units. */
  readonly amountText: string;
  readonly reasonCode: ReasonCode | '';
}

/** CEX starts from "full" on every line; CPD starts from CEX's recommendation. */
export function initialDrafts(claim: ReviewClaim, stage: ClaimStage, minorPerUnit: number): LineDraft[] {
  return claim.lines.map((line) => {
    const recommended = stage === 'cpd' && isLineDecision(line.cexDecision) ? line.cexDecision : 'full';
    const amount = recommended === 'partial' && line.cexAmount !== null ? minorToInput(line.cexAmount, minorPerUnit) : '';
    const reason = stage === 'cpd' && isReasonCode(line.cexReasonCode) ? line.cexReasonCode : '';
    return { bookingId: line.bookingId, decision: recommended, amountText: amount, reasonCode: reason };
  });
}

function isLineDecision(value: string | null): value is LineDecision {
  return value === 'full' || value === 'partial' || value === 'deny';
}

function isReasonCode(value: string | null): value is ReasonCode {
  return (reasonCodes as readonly string[]).includes(value ?? '');
}

export interface CommandLine {
  readonly bookingId: string;
  readonly decision: LineDecision;
  readonly approvedAmount?: number;
  readonly reasonCode?: ReasonCode;
}

export type DraftCheck =
  | { readonly ok: true; readonly lines: CommandLine[]; readonly approvedTotal: number }
  | { readonly ok: false; readonly problems: Readonly<Record<string, string>> };

/**
 * What is wrong with the amount typed on a partial line, checked as it is typed: a partial
 * approval is more than zero and less than the line's payer amount (the server refuses anything
 * else with a 400). Null while nothing is typed yet, or when the line is not partial.
 */
export function partialAmountProblem(
  line: Pick<ConsoleClaimLine, 'payerAmount'>,
  draft: Pick<LineDraft, 'decision' | 'amountText'>,
  scheme: MoneyFormat,
  t: Translate = english.t,
): string | null {
  if (draft.decision !== 'partial' || draft.amountText.trim() === '') return null;
  const parsed = parseAmount(draft.amountText, scheme.minorPerUnit);
  if (!parsed.ok) return t('console.claim.amountProblem', { problem: amountProblemText(parsed, t) });
  const lineAmount = formatMoney(line.payerAmount, scheme);
  if (parsed.minor <= 0) return t('console.claim.moreThanZero');
  if (parsed.minor > line.payerAmount)
    return t('console.claim.moreThanLine', {
      amount: formatMoney(parsed.minor, scheme),
      line: lineAmount,
      over: formatMoney(parsed.minor - line.payerAmount, scheme),
    });
  if (parsed.minor === line.payerAmount) return t('console.claim.wholeLine', { amount: formatMoney(parsed.minor, scheme) });
  return null;
}

/**
 * The lines for process-claim / verify-claim, or a sentence per line that is not ready. Every
 * problem of a line is named at once (an amount above the line and a missing reason code both),
 * so fixing one does not reveal the next only at the following send.
 */
export function checkDrafts(lines: readonly ConsoleClaimLine[], drafts: readonly LineDraft[], scheme: MoneyFormat, t: Translate = english.t): DraftCheck {
  const problems: Record<string, string> = {};
  const commandLines: CommandLine[] = [];
  let approvedTotal = 0;
  for (const line of lines) {
    const draft = drafts.find((d) => d.bookingId === line.bookingId);
    if (!draft) {
      problems[line.bookingId] = t('console.claim.decideLine');
      continue;
    }
    if (draft.decision === 'full') {
      commandLines.push({ bookingId: line.bookingId, decision: 'full', ...(draft.reasonCode ? { reasonCode: draft.reasonCode } : {}) });
      approvedTotal += line.payerAmount;
      continue;
    }
    const found: string[] = [];
    if (draft.decision === 'partial')
      found.push(draft.amountText.trim() === '' ? t('console.claim.enterAmount') : (partialAmountProblem(line, draft, scheme, t) ?? ''));
    if (!draft.reasonCode) found.push(draft.decision === 'deny' ? t('console.claim.reasonForDeny') : t('console.claim.reasonForPartial'));
    const sentences = found.filter((sentence) => sentence !== '');
    if (sentences.length > 0 || !draft.reasonCode) {
      problems[line.bookingId] = sentences.join(' ');
      continue;
    }
    if (draft.decision === 'deny') {
      commandLines.push({ bookingId: line.bookingId, decision: 'deny', reasonCode: draft.reasonCode });
      continue;
    }
    const parsed = parseAmount(draft.amountText, scheme.minorPerUnit);
    if (!parsed.ok) continue; // named by partialAmountProblem above
    commandLines.push({ bookingId: line.bookingId, decision: 'partial', approvedAmount: parsed.minor, reasonCode: draft.reasonCode });
    approvedTotal += parsed.minor;
  }
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, lines: commandLines, approvedTotal };
}

/** The same words the desk shows for the payer's reason codes (shared/labels). */
export function reasonLabel(code: string | null, t: Translate = english.t): string {
  return code && isReasonCode(code) ? claimReasonLabel(code, t) : '—';
}

export function reasonChoices(t: Translate = english.t): readonly { readonly value: ReasonCode; readonly label: string }[] {
  return reasonCodes.map((code) => ({ value: code, label: claimReasonLabel(code, t) }));
}

export function decisionLabel(decision: string | null, t: Translate = english.t): string {
  switch (decision) {
    case 'full':
      return t('console.claim.full');
    case 'partial':
      return t('console.claim.partial');
    case 'deny':
      return t('console.claim.denied');
    default:
      return '—';
  }
}

const documentKindLabels: Readonly<Record<string, MessageId>> = {
  'discharge-summary': 'console.document.dischargeSummary',
  bill: 'console.document.bill',
  'investigation-report': 'console.document.investigationReport',
  prescription: 'console.document.prescription',
  'implant-sticker': 'console.document.implantSticker',
  photo: 'console.document.photo',
  other: 'console.document.other',
};

export function documentKindLabel(kind: string, t: Translate = english.t): string {
  const id = documentKindLabels[kind];
  return id ? t(id) : kind;
}

/** "182 KB", "1.4 MB": sizes for people. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
