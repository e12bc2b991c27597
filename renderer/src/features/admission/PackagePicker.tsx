import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { map } from 'rxjs';
import type { PackageView } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { useObservable } from '../../shared/hooks/use-observable';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { Money } from '../../shared/ui/Money';
import { TextField } from '../../shared/ui/Field';
import { searchPackages } from './package-search';

/** More than a screenful is never useful: refine the search instead. */
const shownAtMost = 40;

/**
 * The package catalogue from the read model (works offline), searched as you type. The list is a
 * group of native radio buttons: arrow keys move through it with no custom keyboard code. Enter in
 * the search box picks the first match and moves to the list.
 */
export function PackagePicker({ selectedCode, onSelect }: { readonly selectedCode: string | null; readonly onSelect: (pkg: PackageView) => void }) {
  const { database, replication } = useDesk();
  const groupName = useId();
  const listRef = useRef<HTMLDivElement>(null);
  const [search, setSearch] = useState('');
  const packages = useObservable<readonly PackageView[] | null>(
    () => database.packages.find({ sort: [{ code: 'asc' }] }).$.pipe(map((found) => found.map((pkg) => pkg.toJSON()))),
    null,
    [database],
  );
  const replica = useObservable(() => replication.status$, replication.status(), [replication]);
  const matches = useMemo(() => searchPackages(packages ?? [], search), [packages, search]);
  const shown = matches.slice(0, shownAtMost);

  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key !== 'Enter' && event.key !== 'ArrowDown') return;
    event.preventDefault();
    const [first] = shown;
    if (!first) return;
    const target = shown.find((pkg) => pkg.code === selectedCode) ?? first;
    if (target.code !== selectedCode) onSelect(target);
    listRef.current?.querySelector<HTMLInputElement>(`input[value="${CSS.escape(target.code)}"]`)?.focus();
  };

  const isLoading = packages === null || (packages.length === 0 && !replica.isReady);
  return (
    <fieldset className="package-picker">
      <legend>Treatment package</legend>
      <TextField
        label="Search by code, name or specialty"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
        onKeyDown={onSearchKey}
        autoComplete="off"
        hint="Enter picks the first match; arrow keys move through the list."
      />
      {replica.errors.packages ? <ErrorNotice error={replica.errors.packages} title="The package list may be out of date." /> : null}
      {isLoading ? (
        <LoadingNotice>Loading the package catalogue…</LoadingNotice>
      ) : (
        <p className="muted" role="status">
          {matches.length === 0
            ? 'No package matches.'
            : matches.length > shownAtMost
              ? `${matches.length} packages match; the first ${shownAtMost} are shown.`
              : `${matches.length} package${matches.length === 1 ? '' : 's'} match.`}
        </p>
      )}
      <div className="package-list" ref={listRef}>
        {shown.map((pkg) => (
          <label key={pkg.code} className={pkg.code === selectedCode ? 'package-option is-selected' : 'package-option'}>
            <input type="radio" name={groupName} value={pkg.code} checked={pkg.code === selectedCode} onChange={() => onSelect(pkg)} />
            <span className="package-code">{pkg.code}</span>
            <span className="package-name">{pkg.name}</span>
            <span className="package-specialty">{pkg.specialty}</span>
            <span className="package-price">{pkg.isUnspecified ? 'Committee decides' : <Money minor={pkg.price} />}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
