import { useMemo, useState } from 'react';
import { map } from 'rxjs';
import type { CaseView, PreauthStatus } from '@desk-api/contract';
import { useDesk, useScheme } from '../../app/desk-context';
import { routeToHash } from '../../app/routes';
import type { CaseDocument } from '../../data/documents';
import { useObservable } from '../../shared/hooks/use-observable';
import { caseStatusLabel, preauthStatusLabel } from '../../shared/labels';
import { formatTime } from '../../shared/time';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { Money } from '../../shared/ui/Money';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { defaultCaseFilters, filterCases, type CaseFilters } from './case-filters';

const statusChoices: readonly { readonly value: CaseFilters['status']; readonly label: string }[] = [
  { value: 'open', label: 'In hospital (admitted)' },
  { value: 'all', label: 'All' },
  { value: 'pending-sync', label: 'Not yet confirmed by the server' },
  { value: 'discharged', label: 'Discharged' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'rejected', label: 'Refused by the server' },
];

const preauthChoices: readonly { readonly value: CaseFilters['preauth']; readonly label: string }[] = [
  { value: 'all', label: 'Any' },
  { value: 'needs-attention', label: 'Needs the desk (not requested, queried, rejected)' },
  ...(['pending', 'committee-review', 'admin-review', 'approved', 'pending-sync'] satisfies PreauthStatus[]).map((value) => ({
    value,
    label: preauthStatusLabel(value).text,
  })),
];

/** This desk's cases from the read model: live, and available offline. */
export function CaseListScreen() {
  const { database, replication } = useDesk();
  const [filters, setFilters] = useState<CaseFilters>(defaultCaseFilters);
  const cases = useObservable<readonly CaseDocument[] | null>(() => database.cases.find().$.pipe(map((found) => found.map((item) => item.toJSON()))), null, [
    database,
  ]);
  const replica = useObservable(() => replication.status$, replication.status(), [replication]);
  const shown = useMemo(() => filterCases(cases ?? [], filters), [cases, filters]);
  const isLoading = cases === null || (cases.length === 0 && !replica.isReady);

  return (
    <ScreenFrame title="Cases at this desk">
      <form className="panel filters" role="search" aria-label="Filter cases" onSubmit={(event) => event.preventDefault()}>
        <SelectField label="Case" value={filters.status} choices={statusChoices} onChange={(status) => setFilters({ ...filters, status })} />
        <SelectField label="Pre-auth" value={filters.preauth} choices={preauthChoices} onChange={(preauth) => setFilters({ ...filters, preauth })} />
        <TextField
          label="Name, scheme ID or package"
          type="search"
          value={filters.search}
          onChange={(event) => setFilters({ ...filters, search: event.target.value })}
          autoComplete="off"
        />
      </form>
      {replica.errors.cases ? <ErrorNotice error={replica.errors.cases} title="The list may be out of date." /> : null}
      {isLoading ? <LoadingNotice>Loading this desk’s cases…</LoadingNotice> : <CaseTable cases={shown} total={cases.length} />}
    </ScreenFrame>
  );
}

function SelectField<T extends string>({
  label,
  value,
  choices,
  onChange,
}: {
  readonly label: string;
  readonly value: T;
  readonly choices: readonly { readonly value: T; readonly label: string }[];
  readonly onChange: (value: T) => void;
}) {
  return (
    <div className="field">
      <label>
        {label}
        <select value={value} onChange={(event) => onChange(choices.find((choice) => choice.value === event.target.value)?.value ?? value)}>
          {choices.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function CaseTable({ cases, total }: { readonly cases: readonly CaseDocument[]; readonly total: number }) {
  const { locale } = useScheme();
  return (
    <>
      <p role="status" className="muted">
        {cases.length} of {total} case{total === 1 ? '' : 's'} shown
      </p>
      <table className="data-table">
        <caption className="visually-hidden">Cases at this desk</caption>
        <thead>
          <tr>
            <th scope="col">Patient</th>
            <th scope="col">Scheme ID</th>
            <th scope="col">Case</th>
            <th scope="col">Pre-auth</th>
            <th scope="col">Package</th>
            <th scope="col" className="number">
              Hold
            </th>
            <th scope="col" className="number">
              Booked
            </th>
            <th scope="col">Admitted</th>
          </tr>
        </thead>
        <tbody>
          {cases.map((item) => (
            <tr key={item.caseId}>
              <th scope="row">
                <a href={routeToHash({ screen: 'case', caseId: item.caseId })}>{item.memberName}</a>
                {item.hasPendingChanges ? <StatusBadge text="changes waiting" tone="waiting" /> : null}
              </th>
              <td>{item.schemeMemberId}</td>
              <td>{statusText(item.status)}</td>
              <td>{preauthStatusLabel(item.preauthStatus).text}</td>
              <td>{item.packageCode ?? '—'}</td>
              <td className="number">
                <Money minor={item.holdAmount} />
              </td>
              <td className="number">
                <Money minor={item.bookingSum} />
              </td>
              <td>
                <time dateTime={item.admittedAt}>{formatTime(item.admittedAt, locale)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function statusText(status: CaseView['status']): string {
  return caseStatusLabel(status).text;
}
