import { english } from '../../i18n/translate';
import { useId, useState, type FormEvent } from 'react';
import { roles as allRoles, type Role } from '@domain/ids';
import { currencySymbol, formatMoney, parseAmount, type MoneyFormat } from '../../shared/money';
import { formatTime } from '../../shared/time';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice } from '../../shared/ui/Notice';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import type { CommandAnswerOf } from '@contract/results';
import type { ConsoleError, ConsoleResult } from '../data/api';
import {
  basisPointsToPercent,
  changedParameters,
  changedServiceLevels,
  formServiceLevelStages,
  percentToBasisPoints,
  type AdminHospital,
  type AdminOperator,
  type AdminPackage,
  type AdminScheme,
  type DashboardFigures,
  type ParameterChange,
} from './admin-data';
import { formatMinutes, stageLabels } from '../clocks/clock-view';

type Send<T = unknown> = () => Promise<ConsoleResult<T>>;

/** One server action's state: busy, the refusal in the server's words, or what it answered. */
function useAction() {
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async <T,>(send: Send<T>, describe: (value: T) => string): Promise<boolean> => {
    setBusy(true);
    setError(null);
    setDone(null);
    const answer = await send();
    setBusy(false);
    if (!answer.ok) {
      setError(answer.error);
      return false;
    }
    setDone(describe(answer.value));
    return true;
  };
  return { isBusy, error, done, run };
}

const stateLabels: Record<string, string> = {
  admitted: 'Admitted',
  discharged: 'Discharged',
  cancelled: 'Cancelled',
  active: 'Active',
  claimed: 'Claimed',
  released: 'Released',
  submitted: 'Submitted',
  processed: 'Processed',
  approved: 'Approved',
  denied: 'Denied',
  paid: 'Paid',
};

/** HA dashboard: cases, holds and claims by state, as the server counted them. */
export function DashboardView({ figures, scheme, locale }: { readonly figures: DashboardFigures; readonly scheme: MoneyFormat; readonly locale: string }) {
  const table = (caption: string, rows: readonly { status: string; count: number; amount?: number }[], hasAmount: boolean) => (
    <table className="data-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">State</th>
          <th scope="col" className="number">
            Count
          </th>
          {hasAmount ? (
            <th scope="col" className="number">
              Amount
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={hasAmount ? 3 : 2}>None yet.</td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr key={row.status}>
              <th scope="row">{stateLabels[row.status] ?? row.status}</th>
              <td className="number">{row.count}</td>
              {hasAmount ? <td className="number">{formatMoney(row.amount ?? 0, scheme)}</td> : null}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
  return (
    <div className="dashboard-grid">
      {table('Cases by state', figures.cases, false)}
      {table('Holds by state', figures.holds, true)}
      {table('Claims by state (approved amount once decided)', figures.claims, true)}
      <p className="screen-subtitle">Counted by the server at {formatTime(figures.computedAt, locale)}.</p>
    </div>
  );
}

/** Hospitals and their desks: add either, issue a one-time enrollment code, revoke a desk (with a reason). */
export function HospitalsView({
  hospitals,
  locale,
  onIssueCode,
  onRevoke,
  onRegisterHospital,
  onRegisterDesk,
}: {
  readonly hospitals: readonly AdminHospital[];
  readonly locale: string;
  readonly onIssueCode: (deskId: string) => Promise<ConsoleResult<{ code: string; expiresAt: string }>>;
  readonly onRevoke: (deskId: string, reason: string) => Promise<ConsoleResult<unknown>>;
  readonly onRegisterHospital: (hospital: { code: string; name: string; district: string }) => Promise<ConsoleResult<unknown>>;
  readonly onRegisterDesk: (hospitalId: string, name: string) => Promise<ConsoleResult<unknown>>;
}) {
  return (
    <>
      {hospitals.map((hospital) => (
        <section key={hospital.id} className="panel" aria-labelledby={`hospital-${hospital.id}`}>
          <h2 id={`hospital-${hospital.id}`}>
            {hospital.name} ({hospital.code}) · {hospital.district}
          </h2>
          {hospital.desks.length === 0 ? (
            <p>No desk is registered at this hospital.</p>
          ) : (
            hospital.desks.map((desk) => (
              <DeskRow key={desk.id} desk={desk} hospitalCode={hospital.code} locale={locale} onIssueCode={onIssueCode} onRevoke={onRevoke} />
            ))
          )}
          <NewDeskForm hospital={hospital} onRegisterDesk={onRegisterDesk} />
        </section>
      ))}
      <NewHospitalForm onRegisterHospital={onRegisterHospital} />
    </>
  );
}

function NewDeskForm({
  hospital,
  onRegisterDesk,
}: {
  readonly hospital: AdminHospital;
  readonly onRegisterDesk: (hospitalId: string, name: string) => Promise<ConsoleResult<unknown>>;
}) {
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return setProblem('Name the desk, e.g. Admission desk 2.');
    setProblem(null);
    if (
      await action.run(
        () => onRegisterDesk(hospital.id, name.trim()),
        () => `${name.trim()} registered at ${hospital.code}: issue it an enrollment code.`,
      )
    )
      setName('');
    return undefined;
  };
  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
      <TextField label={`New desk at ${hospital.code}`} value={name} maxLength={120} onChange={(event) => setName(event.target.value)} problem={problem} />
      <button type="submit" disabled={action.isBusy}>
        Add the desk<span className="visually-hidden"> at {hospital.code}</span>
      </button>
      {action.error ? <ErrorNotice error={action.error} title="Not added." /> : null}
      {action.done ? (
        <p className="notice notice-info" role="status">
          {action.done}
        </p>
      ) : null}
    </form>
  );
}

function NewHospitalForm({
  onRegisterHospital,
}: {
  readonly onRegisterHospital: (hospital: { code: string; name: string; district: string }) => Promise<ConsoleResult<unknown>>;
}) {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [district, setDistrict] = useState('');
  const [problem, setProblem] = useState<{ field: string; message: string } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^[A-Z0-9-]{2,16}$/.test(code)) return setProblem({ field: 'code', message: '2 to 16 upper-case letters, digits or dashes, e.g. HSP-C.' });
    if (name.trim() === '') return setProblem({ field: 'name', message: "Enter the hospital's name." });
    if (district.trim() === '') return setProblem({ field: 'district', message: "Enter the district: its desks keep that district's registry offline." });
    setProblem(null);
    if (
      await action.run(
        () => onRegisterHospital({ code, name: name.trim(), district: district.trim() }),
        () => `${code} registered: add its desks above.`,
      )
    ) {
      setCode('');
      setName('');
      setDistrict('');
    }
    return undefined;
  };
  return (
    <section className="panel" aria-labelledby="new-hospital-heading">
      <h2 id="new-hospital-heading">Add a hospital</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label="Hospital code"
          value={code}
          maxLength={16}
          onChange={(event) => setCode(event.target.value.toUpperCase())}
          problem={problem?.field === 'code' ? problem.message : null}
        />
        <TextField
          label="Hospital name"
          value={name}
          maxLength={200}
          onChange={(event) => setName(event.target.value)}
          problem={problem?.field === 'name' ? problem.message : null}
        />
        <TextField
          label="District"
          value={district}
          maxLength={64}
          onChange={(event) => setDistrict(event.target.value)}
          problem={problem?.field === 'district' ? problem.message : null}
        />
        {action.error ? <ErrorNotice error={action.error} title="Not added." /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={action.isBusy}>
            Add the hospital
          </button>
        </div>
      </form>
    </section>
  );
}

function DeskRow({
  desk,
  hospitalCode,
  locale,
  onIssueCode,
  onRevoke,
}: {
  readonly desk: AdminHospital['desks'][number];
  readonly hospitalCode: string;
  readonly locale: string;
  readonly onIssueCode: (deskId: string) => Promise<ConsoleResult<{ code: string; expiresAt: string }>>;
  readonly onRevoke: (deskId: string, reason: string) => Promise<ConsoleResult<unknown>>;
}) {
  const issue = useAction();
  const revoke = useAction();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const headingId = useId();
  const submitRevoke = async (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim() === '') return setProblem('Write why the desk is revoked: it goes to the audit trail.');
    setProblem(null);
    if (
      await revoke.run(
        () => onRevoke(desk.id, reason.trim()),
        () => `${desk.name} is revoked: its credential no longer works.`,
      )
    )
      setReason('');
    return undefined;
  };
  return (
    <article className="desk-admin" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {desk.name} <StatusBadge text={desk.status === 'active' ? 'Active' : 'Revoked'} tone={desk.status === 'active' ? 'good' : 'bad'} />
      </h3>
      <p className="screen-subtitle">
        {desk.enrolledAt ? `Enrolled ${formatTime(desk.enrolledAt, locale)}` : 'Never enrolled'} · registry {desk.registryDistrict}
        {desk.pendingCodeExpiresAt ? ` · an unused enrollment code is valid until ${formatTime(desk.pendingCodeExpiresAt, locale)}` : ''}
      </p>
      <div className="button-row">
        <button
          type="button"
          disabled={issue.isBusy}
          onClick={() =>
            void issue.run(
              () => onIssueCode(desk.id),
              (value) =>
                `Enrollment code for ${desk.name} (${hospitalCode}): ${value.code}, valid until ${formatTime(value.expiresAt, locale)}. Earlier unused codes no longer work.`,
            )
          }
        >
          Issue an enrollment code<span className="visually-hidden"> for {desk.name}</span>
        </button>
      </div>
      {issue.error ? <ErrorNotice error={issue.error} title="No code issued." /> : null}
      {issue.done ? (
        <p className="notice notice-info enrollment-code" role="status">
          {issue.done}
        </p>
      ) : null}
      {desk.status === 'active' ? (
        <form className="inline-form" onSubmit={(event) => void submitRevoke(event)} noValidate>
          <TextField
            label={`Reason to revoke ${desk.name}`}
            value={reason}
            maxLength={500}
            onChange={(event) => setReason(event.target.value)}
            problem={problem}
          />
          <button type="submit" className="danger" disabled={revoke.isBusy}>
            Revoke<span className="visually-hidden"> {desk.name}</span>
          </button>
        </form>
      ) : null}
      {revoke.error ? <ErrorNotice error={revoke.error} title="Not revoked." /> : null}
      {revoke.done ? (
        <p className="notice notice-info" role="status">
          {revoke.done}
        </p>
      ) : null}
    </article>
  );
}

export interface NewOperator {
  readonly username: string;
  readonly displayName: string;
  readonly password: string;
  readonly roles: Role[];
  readonly hospitalId: string | null;
}

/** A new operator: username, name, first password, roles and (for MEDCO) the hospital. */
export function NewOperatorForm({
  hospitals,
  onCreate,
}: {
  readonly hospitals: readonly Pick<AdminHospital, 'id' | 'code'>[];
  readonly onCreate: (operator: NewOperator) => Promise<ConsoleResult<unknown>>;
}) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [hospitalId, setHospitalId] = useState('');
  const [problem, setProblem] = useState<{ field: string; message: string } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^[a-z0-9._-]{3,40}$/.test(username))
      return setProblem({ field: 'username', message: '3 to 40 lower-case letters, digits, dots, dashes or underscores.' });
    if (displayName.trim() === '') return setProblem({ field: 'displayName', message: 'Enter the name shown to other operators.' });
    if (password.length < 10) return setProblem({ field: 'password', message: 'At least 10 characters.' });
    if (roles.length === 0) return setProblem({ field: 'roles', message: 'Choose at least one role.' });
    if (roles.includes('MEDCO') && hospitalId === '') return setProblem({ field: 'hospital', message: 'A MEDCO works for one hospital: choose it.' });
    setProblem(null);
    if (
      await action.run(
        () => onCreate({ username, displayName: displayName.trim(), password, roles, hospitalId: hospitalId === '' ? null : hospitalId }),
        () => `${username} can now sign in with the password you set.`,
      )
    ) {
      setUsername('');
      setDisplayName('');
      setPassword('');
      setRoles([]);
      setHospitalId('');
    }
    return undefined;
  };
  return (
    <section className="panel" aria-labelledby="new-operator-heading">
      <h2 id="new-operator-heading">Add an operator</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label="Username"
          autoComplete="off"
          value={username}
          onChange={(event) => setUsername(event.target.value.trim())}
          problem={problem?.field === 'username' ? problem.message : null}
        />
        <TextField
          label="Display name"
          value={displayName}
          maxLength={120}
          onChange={(event) => setDisplayName(event.target.value)}
          problem={problem?.field === 'displayName' ? problem.message : null}
        />
        <TextField
          label="First password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          hint="At least 10 characters; give it to the operator in person."
          problem={problem?.field === 'password' ? problem.message : null}
        />
        <fieldset>
          <legend>Roles</legend>
          <div className="inline-choice">
            {allRoles.map((role) => (
              <label key={role} className="checkbox">
                <input
                  type="checkbox"
                  checked={roles.includes(role)}
                  onChange={(event) => setRoles((current) => (event.target.checked ? [...current, role] : current.filter((r) => r !== role)))}
                />
                {role}
              </label>
            ))}
          </div>
          {problem?.field === 'roles' ? <p className="field-problem">{problem.message}</p> : null}
        </fieldset>
        <div className="field">
          <label htmlFor="new-operator-hospital">Hospital</label>
          <select id="new-operator-hospital" value={hospitalId} onChange={(event) => setHospitalId(event.target.value)}>
            <option value="">All (payer side)</option>
            {hospitals.map((hospital) => (
              <option key={hospital.id} value={hospital.id}>
                {hospital.code}
              </option>
            ))}
          </select>
          {problem?.field === 'hospital' ? <p className="field-problem">{problem.message}</p> : null}
        </div>
        {action.error ? <ErrorNotice error={action.error} title="Not added." /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={action.isBusy}>
            Add the operator
          </button>
        </div>
      </form>
    </section>
  );
}

/** Operators with their roles and scope: change roles or hospital, deactivate or reactivate. */
export function OperatorsView({
  operators,
  hospitals,
  onUpdate,
}: {
  readonly operators: readonly AdminOperator[];
  readonly hospitals: readonly Pick<AdminHospital, 'id' | 'code'>[];
  readonly onUpdate: (operatorId: string, change: { roles: Role[]; hospitalId: string | null; isActive: boolean }) => Promise<ConsoleResult<unknown>>;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <table className="data-table">
      <caption>Operators</caption>
      <thead>
        <tr>
          <th scope="col">Operator</th>
          <th scope="col">Roles</th>
          <th scope="col">Hospital</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="visually-hidden">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {operators.map((operator) =>
          editing === operator.id ? (
            <OperatorEditor key={operator.id} operator={operator} hospitals={hospitals} onUpdate={onUpdate} onClose={() => setEditing(null)} />
          ) : (
            <tr key={operator.id}>
              <th scope="row">
                {operator.displayName}
                <div className="screen-subtitle">{operator.username}</div>
              </th>
              <td>{operator.roles.join(', ')}</td>
              <td>{operator.hospitalCode ?? 'All (payer side)'}</td>
              <td>
                <StatusBadge text={operator.isActive ? 'Active' : 'Deactivated'} tone={operator.isActive ? 'good' : 'neutral'} />
              </td>
              <td>
                <button type="button" onClick={() => setEditing(operator.id)}>
                  Change<span className="visually-hidden"> {operator.username}</span>
                </button>
              </td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}

function OperatorEditor({
  operator,
  hospitals,
  onUpdate,
  onClose,
}: {
  readonly operator: AdminOperator;
  readonly hospitals: readonly Pick<AdminHospital, 'id' | 'code'>[];
  readonly onUpdate: (operatorId: string, change: { roles: Role[]; hospitalId: string | null; isActive: boolean }) => Promise<ConsoleResult<unknown>>;
  readonly onClose: () => void;
}) {
  const [roles, setRoles] = useState<Role[]>([...operator.roles]);
  const [hospitalId, setHospitalId] = useState<string>(operator.hospitalId ?? '');
  const [isActive, setActive] = useState(operator.isActive);
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const save = async () => {
    if (roles.length === 0) return setProblem('Keep at least one role; deactivate the operator instead.');
    if (roles.includes('MEDCO') && hospitalId === '') return setProblem('A MEDCO works for one hospital: choose it.');
    setProblem(null);
    await action.run(
      () => onUpdate(operator.id, { roles, hospitalId: hospitalId === '' ? null : hospitalId, isActive }),
      () => `${operator.username} updated.`,
    );
    return undefined;
  };
  return (
    <tr>
      <th scope="row">
        {operator.displayName}
        <div className="screen-subtitle">{operator.username}</div>
      </th>
      <td>
        <fieldset>
          <legend className="visually-hidden">Roles of {operator.username}</legend>
          <div className="inline-choice">
            {allRoles.map((role) => (
              <label key={role} className="checkbox">
                <input
                  type="checkbox"
                  checked={roles.includes(role)}
                  onChange={(event) => setRoles((current) => (event.target.checked ? [...current, role] : current.filter((r) => r !== role)))}
                />
                {role}
              </label>
            ))}
          </div>
        </fieldset>
      </td>
      <td>
        <select aria-label={`Hospital of ${operator.username}`} value={hospitalId} onChange={(event) => setHospitalId(event.target.value)}>
          <option value="">All (payer side)</option>
          {hospitals.map((hospital) => (
            <option key={hospital.id} value={hospital.id}>
              {hospital.code}
            </option>
          ))}
        </select>
      </td>
      <td>
        <label className="checkbox">
          <input type="checkbox" checked={isActive} onChange={(event) => setActive(event.target.checked)} /> Active
        </label>
      </td>
      <td>
        <div className="button-row">
          <button type="button" className="primary" disabled={action.isBusy} onClick={() => void save()}>
            Save<span className="visually-hidden"> {operator.username}</span>
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
        {problem ? (
          <p className="field-problem" role="alert">
            {problem}
          </p>
        ) : null}
        {action.error ? <ErrorNotice error={action.error} title="Not changed." /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
      </td>
    </tr>
  );
}

/** The catalogue with every price version; a new price becomes the next version (cases keep theirs). */
export function PackagesView({
  packages,
  scheme,
  locale,
  onSetPrice,
}: {
  readonly packages: readonly AdminPackage[];
  readonly scheme: MoneyFormat;
  readonly locale: string;
  readonly onSetPrice: (packageCode: string, price: number) => Promise<ConsoleResult<CommandAnswerOf<'set-package-price'>>>;
}) {
  const [code, setCode] = useState('');
  const [priceText, setPriceText] = useState('');
  const [problem, setProblem] = useState<{ field: 'code' | 'price'; message: string } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (code === '') return setProblem({ field: 'code', message: 'Choose the package.' });
    const parsed = parseAmount(priceText, scheme.minorPerUnit);
    if (!parsed.ok) return setProblem({ field: 'price', message: parsed.message });
    if (parsed.minor <= 0) return setProblem({ field: 'price', message: 'The price must be more than zero.' });
    setProblem(null);
    if (
      await action.run(
        () => onSetPrice(code, parsed.minor),
        (value) =>
          `${code} now costs ${formatMoney(parsed.minor, scheme)} as version ${value.result.version}; admitted cases keep the version they were priced at.`,
      )
    )
      setPriceText('');
    return undefined;
  };
  return (
    <>
      <section className="panel" aria-labelledby="new-price-heading">
        <h2 id="new-price-heading">Add a price version</h2>
        <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
          <div className="field">
            <label htmlFor="new-price-package">Package</label>
            <select
              id="new-price-package"
              value={code}
              onChange={(event) => setCode(event.target.value)}
              aria-invalid={problem?.field === 'code' ? true : undefined}
            >
              <option value="">Choose…</option>
              {packages.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.code} · {p.name}
                </option>
              ))}
            </select>
            {problem?.field === 'code' ? <p className="field-problem">{problem.message}</p> : null}
          </div>
          <TextField
            label={`New price (${currencySymbol(scheme)})`}
            inputMode="decimal"
            value={priceText}
            onChange={(event) => setPriceText(event.target.value)}
            problem={problem?.field === 'price' ? problem.message : null}
          />
          <button type="submit" className="primary" disabled={action.isBusy}>
            Add price version
          </button>
        </form>
        {action.error ? <ErrorNotice error={action.error} title="Price not changed." /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
      </section>
      <table className="data-table">
        <caption>Package catalogue, newest price version first</caption>
        <thead>
          <tr>
            <th scope="col">Package</th>
            <th scope="col">Specialty</th>
            <th scope="col" className="number">
              Current price
            </th>
            <th scope="col">Earlier versions</th>
          </tr>
        </thead>
        <tbody>
          {packages.map((p) => {
            const [current, ...earlier] = p.versions;
            return (
              <tr key={p.code}>
                <th scope="row">
                  {p.code} · {p.name}
                  {p.isUnspecified ? <div className="screen-subtitle">unspecified: amount set per case</div> : null}
                </th>
                <td>{p.specialty}</td>
                <td className="number">
                  {current ? (
                    <>
                      {formatMoney(current.price, scheme)} <span className="screen-subtitle">v{current.version}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {earlier.length === 0
                    ? '—'
                    : earlier.map((v) => `v${v.version} ${formatMoney(v.price, scheme)} (from ${formatTime(v.effectiveFrom, locale)})`).join('; ')}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

/** Scheme parameters: government share, shortfall policy, auto-extension and the turnaround target, with a reason. */
export function SchemeView({
  scheme,
  onSave,
}: {
  readonly scheme: AdminScheme;
  readonly onSave: (change: ParameterChange, reason: string) => Promise<ConsoleResult<unknown>>;
}) {
  const [share, setShare] = useState(basisPointsToPercent(scheme.governmentShareBp));
  const [extend, setExtend] = useState(basisPointsToPercent(scheme.autoExtendBp));
  const [turnaround, setTurnaround] = useState(String(scheme.preauthTurnaroundMinutes));
  const [policy, setPolicy] = useState(scheme.shortfallPolicy);
  const [levels, setLevels] = useState<Record<string, string>>(
    Object.fromEntries(formServiceLevelStages.map((stage) => [stage, String(scheme.serviceLevels[stage])])),
  );
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<{ field: string; message: string } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const governmentShareBp = percentToBasisPoints(share);
    if (governmentShareBp === null) return setProblem({ field: 'share', message: 'A percentage from 0 to 100, at most two decimals.' });
    const autoExtendBp = percentToBasisPoints(extend);
    if (autoExtendBp === null) return setProblem({ field: 'extend', message: 'A percentage from 0 to 100, at most two decimals.' });
    const minutes = /^\d{1,5}$/.test(turnaround.trim()) ? Number(turnaround.trim()) : NaN;
    if (!(minutes >= 5 && minutes <= 10_080)) return setProblem({ field: 'turnaround', message: 'Whole minutes, from 5 to 10,080 (a week).' });
    const levelMinutes: Record<string, number> = {};
    for (const stage of formServiceLevelStages) {
      const text = (levels[stage] ?? '').trim();
      const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
      if (!(value >= 5 && value <= 86_400)) return setProblem({ field: stage, message: 'Whole minutes, from 5 to 86,400 (60 days).' });
      levelMinutes[stage] = value;
    }
    const serviceLevels = changedServiceLevels(scheme.serviceLevels, levelMinutes as Record<(typeof formServiceLevelStages)[number], number>);
    const change: ParameterChange = {
      ...changedParameters(scheme, { governmentShareBp, autoExtendBp, preauthTurnaroundMinutes: minutes, shortfallPolicy: policy }),
      ...(serviceLevels ? { serviceLevels } : {}),
    };
    if (Object.keys(change).length === 0) return setProblem({ field: 'form', message: 'Nothing changed.' });
    if (reason.trim() === '') return setProblem({ field: 'reason', message: 'Write why: the audit trail keeps it with the old and new values.' });
    setProblem(null);
    if (
      await action.run(
        () => onSave(change, reason.trim()),
        () => 'Scheme parameters saved; new payments and pre-auths use them.',
      )
    )
      setReason('');
    return undefined;
  };
  return (
    <section className="panel" aria-labelledby="scheme-heading">
      <h2 id="scheme-heading">
        {scheme.name} · policy year {scheme.policyYear}
      </h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label="Government share of each payment (%)"
          inputMode="decimal"
          value={share}
          onChange={(event) => setShare(event.target.value)}
          hint={`The insurer pays the rest. Now ${basisPointsToPercent(scheme.governmentShareBp)}%.`}
          problem={problem?.field === 'share' ? problem.message : null}
        />
        <fieldset>
          <legend>When the family cover is short at pre-auth</legend>
          <label className="checkbox">
            <input type="radio" name="shortfall-policy" value="partial-hold" checked={policy === 'partial-hold'} onChange={() => setPolicy('partial-hold')} />{' '}
            Hold what is left; the rest is the patient's shortfall
          </label>
          <label className="checkbox">
            <input type="radio" name="shortfall-policy" value="refuse" checked={policy === 'refuse'} onChange={() => setPolicy('refuse')} /> Refuse the pre-auth
          </label>
        </fieldset>
        <TextField
          label="Automatic extension of a hold past the authorized amount (%)"
          inputMode="decimal"
          value={extend}
          onChange={(event) => setExtend(event.target.value)}
          problem={problem?.field === 'extend' ? problem.message : null}
        />
        <TextField
          label="Pre-auth turnaround target (minutes)"
          inputMode="numeric"
          value={turnaround}
          onChange={(event) => setTurnaround(event.target.value)}
          problem={problem?.field === 'turnaround' ? problem.message : null}
        />
        <fieldset>
          <legend>Service levels of the other payer stages (minutes)</legend>
          {formServiceLevelStages.map((stage) => (
            <TextField
              key={stage}
              label={`${english.t(stageLabels[stage])} (minutes)`}
              inputMode="numeric"
              value={levels[stage] ?? ''}
              onChange={(event) => setLevels((current) => ({ ...current, [stage]: event.target.value }))}
              hint={`Now ${formatMinutes(scheme.serviceLevels[stage])}.`}
              problem={problem?.field === stage ? problem.message : null}
            />
          ))}
        </fieldset>
        <TextField
          label="Reason for the change"
          value={reason}
          maxLength={500}
          onChange={(event) => setReason(event.target.value)}
          problem={problem?.field === 'reason' ? problem.message : null}
        />
        {problem?.field === 'form' ? (
          <p className="field-problem" role="alert">
            {problem.message}
          </p>
        ) : null}
        {action.error ? <ErrorNotice error={action.error} title="Not saved." /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={action.isBusy}>
            Save scheme parameters
          </button>
        </div>
      </form>
    </section>
  );
}
