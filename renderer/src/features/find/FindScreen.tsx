import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { DeskError, IdentifyMatch, IdentifyQuery } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { useShortcut } from '../../app/shortcut-registry';
import { globalShortcuts } from '../../app/shortcuts';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { TextField } from '../../shared/ui/Field';
import { HealthCardField } from './HealthCardField';
import { MatchList } from './MatchList';

type SearchState =
  | { readonly status: 'idle' }
  | { readonly status: 'searching'; readonly what: string }
  | { readonly status: 'failed'; readonly error: DeskError }
  | { readonly status: 'found'; readonly matches: readonly IdentifyMatch[]; readonly source: 'replica' | 'server'; readonly what: string };

/** Find a beneficiary by health card, scheme or national ID, or name and year of birth. */
export function FindScreen() {
  const { client, navigate, scanInbox } = useDesk();
  const [search, setSearch] = useState<SearchState>({ status: 'idle' });
  const cardRef = useRef<HTMLInputElement>(null);
  useShortcut(globalShortcuts.find, () => cardRef.current?.focus());

  const identify = async (query: IdentifyQuery, what: string, shouldOpenSingleMatch: boolean): Promise<void> => {
    setSearch({ status: 'searching', what });
    const answer = await client.call('members.identify', query);
    if (!answer.ok) {
      setSearch({ status: 'failed', error: answer.error });
      return;
    }
    const { matches, source } = answer.value;
    // A scanned card names exactly one member: go straight to the family, the desk's next step.
    const [only] = matches;
    if (shouldOpenSingleMatch && matches.length === 1 && only) {
      navigate({ screen: 'family', familyId: only.familyId });
      return;
    }
    setSearch({ status: 'found', matches, source, what });
  };

  // Cards read by the desk's own scanner (serial or HID), as opposed to a keyboard-wedge one typing here.
  const identifyRef = useRef(identify);
  identifyRef.current = identify;
  useEffect(
    () =>
      scanInbox.subscribe((message) => {
        if (message.kind === 'scan') void identifyRef.current({ by: 'scheme-id', value: message.schemeMemberId }, 'health card scanned', true);
        else setSearch({ status: 'failed', error: { code: 'scan-unreadable', message: message.message } });
      }),
    [scanInbox],
  );

  return (
    <ScreenFrame title="Find a beneficiary" shouldFocusHeading={false}>
      <div className="find-layout">
        <section aria-labelledby="find-card" className="panel">
          <h2 id="find-card">Health card</h2>
          <HealthCardField
            inputRef={cardRef}
            isBusy={search.status === 'searching'}
            onCard={(cardNumber, source) =>
              void identify({ by: 'health-card', value: cardNumber }, `health card ${source === 'scan' ? 'scanned' : 'typed'}`, source === 'scan')
            }
          />
        </section>
        <IdSearchForm isBusy={search.status === 'searching'} onSearch={(query, what) => void identify(query, what, false)} />
        <NameSearchForm isBusy={search.status === 'searching'} onSearch={(query, what) => void identify(query, what, false)} />
      </div>
      <section aria-labelledby="find-results" className="panel">
        <h2 id="find-results">Results</h2>
        <SearchResults search={search} />
      </section>
    </ScreenFrame>
  );
}

function SearchResults({ search }: { readonly search: SearchState }) {
  switch (search.status) {
    case 'idle':
      return <p className="muted">Scan a card or search above.</p>;
    case 'searching':
      return <LoadingNotice>Searching by {search.what}…</LoadingNotice>;
    case 'failed':
      return <ErrorNotice error={search.error} />;
    case 'found':
      return search.matches.length === 0 ? (
        <p role="status">No member found by {search.what}. Check the number, or search by name and year of birth.</p>
      ) : (
        <div role="status">
          <MatchList matches={search.matches} source={search.source} />
        </div>
      );
  }
}

function IdSearchForm({ onSearch, isBusy }: { readonly onSearch: (query: IdentifyQuery, what: string) => void; readonly isBusy: boolean }) {
  const [by, setBy] = useState<'scheme-id' | 'national-id'>('scheme-id');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (value.trim() === '') {
      setProblem(by === 'scheme-id' ? 'Enter the scheme ID, e.g. PMJ-S1000001.' : 'Enter the 12-digit national ID number.');
      return;
    }
    setProblem(null);
    onSearch({ by, value: value.trim() }, by === 'scheme-id' ? 'scheme ID' : 'national ID');
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="find-id" noValidate>
      <h2 id="find-id">Scheme or national ID</h2>
      <fieldset className="inline-choice">
        <legend>Search by</legend>
        <label>
          <input type="radio" name="id-kind" checked={by === 'scheme-id'} onChange={() => setBy('scheme-id')} /> Scheme ID
        </label>
        <label>
          <input type="radio" name="id-kind" checked={by === 'national-id'} onChange={() => setBy('national-id')} /> National ID
        </label>
      </fieldset>
      <TextField
        label={by === 'scheme-id' ? 'Scheme member ID' : 'National ID number'}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        problem={problem}
        autoComplete="off"
        inputMode={by === 'national-id' ? 'numeric' : 'text'}
      />
      <button type="submit" disabled={isBusy}>
        Search
      </button>
    </form>
  );
}

function NameSearchForm({ onSearch, isBusy }: { readonly onSearch: (query: IdentifyQuery, what: string) => void; readonly isBusy: boolean }) {
  const [name, setName] = useState('');
  const [birthYear, setBirthYear] = useState('');
  const [problem, setProblem] = useState<{ readonly field: 'name' | 'year'; readonly message: string } | null>(null);
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (name.trim().length < 3) {
      setProblem({ field: 'name', message: 'Type at least three letters of the name.' });
      return;
    }
    const year = birthYear.trim() === '' ? undefined : Number(birthYear);
    if (year !== undefined && (!Number.isInteger(year) || year < 1900 || year > new Date().getFullYear())) {
      setProblem({ field: 'year', message: 'Enter a four-digit year of birth, or leave it empty.' });
      return;
    }
    setProblem(null);
    onSearch({ by: 'name', value: name.trim(), ...(year === undefined ? {} : { birthYear: year }) }, year === undefined ? 'name' : 'name and year of birth');
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="find-name" noValidate>
      <h2 id="find-name">Name and year of birth</h2>
      <TextField
        label="Name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        problem={problem?.field === 'name' ? problem.message : null}
        autoComplete="off"
      />
      <TextField
        label="Year of birth (optional)"
        value={birthYear}
        inputMode="numeric"
        maxLength={4}
        onChange={(event) => setBirthYear(event.target.value)}
        problem={problem?.field === 'year' ? problem.message : null}
        autoComplete="off"
      />
      <button type="submit" disabled={isBusy}>
        Search
      </button>
    </form>
  );
}
