import type { FamilyView, PackageView, SchemeInfo } from '@desk-api/contract';
import { decideHold } from '@domain/money';
import { useScheme } from '../../app/desk-context';
import { currencySymbol, parseAmount } from '../../shared/money';
import { TextAreaField, TextField } from '../../shared/ui/Field';
import { InfoNotice } from '../../shared/ui/Notice';
import { Money } from '../../shared/ui/Money';
import { PackagePicker } from './PackagePicker';

export interface PreauthDraft {
  readonly pkg: PackageView | null;
  readonly estimate: string;
  readonly clinicalNote: string;
}

export const emptyPreauthDraft: PreauthDraft = { pkg: null, estimate: '', clinicalNote: '' };

export type PreauthRequest = { readonly packageCode: string; readonly estimatedAmount?: number; readonly clinicalNote?: string };

/** The draft as channel arguments, or the sentence saying what is missing. */
export function preauthRequestOf(
  draft: PreauthDraft,
  scheme: Pick<SchemeInfo, 'minorPerUnit'>,
): { readonly ok: true; readonly request: PreauthRequest } | { readonly ok: false; readonly field: 'package' | 'estimate'; readonly message: string } {
  if (!draft.pkg) return { ok: false, field: 'package', message: 'Choose a treatment package.' };
  const note = draft.clinicalNote.trim();
  if (!draft.pkg.isUnspecified) return { ok: true, request: { packageCode: draft.pkg.code, ...(note ? { clinicalNote: note } : {}) } };
  const estimate = parseAmount(draft.estimate, scheme.minorPerUnit);
  if (!estimate.ok) return { ok: false, field: 'estimate', message: `Estimated amount: ${estimate.message}` };
  if (estimate.minor === 0) return { ok: false, field: 'estimate', message: 'The estimated amount must be more than zero.' };
  return { ok: true, request: { packageCode: draft.pkg.code, estimatedAmount: estimate.minor, ...(note ? { clinicalNote: note } : {}) } };
}

/** The amount the request asks the cover to hold: the package price, or the estimate for an unspecified package. */
function requestedAmount(draft: PreauthDraft, minorPerUnit: number): number | null {
  if (!draft.pkg) return null;
  if (!draft.pkg.isUnspecified) return draft.pkg.price;
  const estimate = parseAmount(draft.estimate, minorPerUnit);
  return estimate.ok ? estimate.minor : null;
}

interface PreauthRequestFieldsProps {
  readonly draft: PreauthDraft;
  readonly onChange: (draft: PreauthDraft) => void;
  readonly family: FamilyView | null;
  readonly problem: { readonly field: 'package' | 'estimate'; readonly message: string } | null;
}

/** Package, estimate for the committee path, clinical note, and what the family cover can hold. */
export function PreauthRequestFields({ draft, onChange, family, problem }: PreauthRequestFieldsProps) {
  const scheme = useScheme();
  const amount = requestedAmount(draft, scheme.minorPerUnit);
  return (
    <div className="preauth-fields">
      <PackagePicker selectedCode={draft.pkg?.code ?? null} onSelect={(pkg) => onChange({ ...draft, pkg })} />
      {problem?.field === 'package' ? (
        <p className="field-problem" role="alert">
          {problem.message}
        </p>
      ) : null}
      {draft.pkg?.isUnspecified ? (
        <>
          <InfoNotice>
            <p>
              <strong>Unspecified package: the committee path.</strong> The Medical Committee reviews the case and recommends an amount, then the scheme Admin
              approves it. Nothing is held on the family cover until then, and bookings stay pending. Give your best estimate and a clinical note the committee
              can judge.
            </p>
          </InfoNotice>
          <TextField
            label={`Estimated amount (${currencySymbol(scheme)})`}
            value={draft.estimate}
            onChange={(event) => onChange({ ...draft, estimate: event.target.value })}
            inputMode="decimal"
            autoComplete="off"
            problem={problem?.field === 'estimate' ? problem.message : null}
            hint="Whole rupees or with paise, e.g. 42000 or 42,000.50"
          />
        </>
      ) : null}
      <TextAreaField
        label={draft.pkg?.isUnspecified ? 'Clinical note for the committee' : 'Clinical note (optional)'}
        value={draft.clinicalNote}
        onChange={(event) => onChange({ ...draft, clinicalNote: event.target.value })}
        rows={2}
        maxLength={2000}
      />
      {family && amount !== null ? <HoldPreview requested={amount} family={family} isCommitteePath={draft.pkg?.isUnspecified ?? false} /> : null}
    </div>
  );
}

/**
 * What the cover can hold, known at admission rather than at discharge. An estimate from the last
 * confirmed balance: the server decides when the request reaches it (other desks may hold first).
 */
function HoldPreview({ requested, family, isCommitteePath }: { readonly requested: number; readonly family: FamilyView; readonly isCommitteePath: boolean }) {
  const decision = decideHold(requested, family.balance.value.available, 'partial-hold');
  if (decision === 'insufficient-cover') return null;
  return (
    <p className={decision.shortfall > 0 ? 'hold-preview warning-text' : 'hold-preview'} role="status">
      The family has <Money minor={family.balance.value.available} /> available.{' '}
      {isCommitteePath ? 'Once approved, the cover can hold up to ' : 'The cover can hold '}
      <Money minor={decision.granted} />
      {decision.shortfall > 0 ? (
        <>
          ;{' '}
          <strong>
            <Money minor={decision.shortfall} /> would be shortfall, paid by the patient
          </strong>
        </>
      ) : null}
      . The server decides when it receives the request.
    </p>
  );
}
