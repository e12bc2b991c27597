import { useId, useState, type FormEvent } from 'react';
import { roles as allRoles, type Role } from '@domain/ids';
import { currencySymbol, formatMoney, parseAmount, type MoneyFormat } from '../../shared/money';
import type { MessageId } from '../../i18n/catalog';
import { amountProblemText } from '../../i18n/amount-problem';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { TextField } from '../../shared/ui/Field';
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

const stateLabels: Readonly<Record<string, MessageId>> = {
  admitted: 'console.admin.state.admitted',
  discharged: 'console.admin.state.discharged',
  cancelled: 'console.admin.state.cancelled',
  active: 'console.admin.state.active',
  claimed: 'console.admin.state.claimed',
  released: 'console.admin.state.released',
  submitted: 'console.admin.state.submitted',
  processed: 'console.admin.state.processed',
  approved: 'console.admin.state.approved',
  denied: 'console.admin.state.denied',
  paid: 'console.admin.state.paid',
};

/** HA dashboard: cases, holds and claims by state, as the server counted them. */
export function DashboardView({ figures, scheme }: { readonly figures: DashboardFigures; readonly scheme: MoneyFormat }) {
  const translator = useTranslator();
  const { t } = translator;
  const table = (caption: string, rows: readonly { status: string; count: number; amount?: number }[], hasAmount: boolean) => (
    <table className="data-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.fleet.state')}</th>
          <th scope="col" className="number">
            {t('console.admin.count')}
          </th>
          {hasAmount ? (
            <th scope="col" className="number">
              {t('console.queue.amount')}
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={hasAmount ? 3 : 2}>{t('console.unspecified.none')}</td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr key={row.status}>
              <th scope="row">{stateLabels[row.status] ? t(stateLabels[row.status]!) : row.status}</th>
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
      {table(t('console.admin.casesByState'), figures.cases, false)}
      {table(t('console.admin.holdsByState'), figures.holds, true)}
      {table(t('console.admin.claimsByState'), figures.claims, true)}
      <p className="screen-subtitle">{t('console.admin.countedAt', { time: formatTimeIn(translator, figures.computedAt) })}</p>
    </div>
  );
}

/** Hospitals and their desks: add either, issue a one-time enrollment code, revoke a desk (with a reason). */
export function HospitalsView({
  hospitals,
  onIssueCode,
  onRevoke,
  onRegisterHospital,
  onRegisterDesk,
}: {
  readonly hospitals: readonly AdminHospital[];
  readonly onIssueCode: (deskId: string) => Promise<ConsoleResult<{ code: string; expiresAt: string }>>;
  readonly onRevoke: (deskId: string, reason: string) => Promise<ConsoleResult<unknown>>;
  readonly onRegisterHospital: (hospital: { code: string; name: string; district: string }) => Promise<ConsoleResult<unknown>>;
  readonly onRegisterDesk: (hospitalId: string, name: string) => Promise<ConsoleResult<unknown>>;
}) {
  const { t } = useTranslator();
  return (
    <>
      {hospitals.map((hospital) => (
        <section key={hospital.id} className="panel" aria-labelledby={`hospital-${hospital.id}`}>
          <h2 id={`hospital-${hospital.id}`}>
            {hospital.name} ({hospital.code}) · {hospital.district}
          </h2>
          {hospital.desks.length === 0 ? (
            <p>{t('console.admin.noDesk')}</p>
          ) : (
            hospital.desks.map((desk) => <DeskRow key={desk.id} desk={desk} hospitalCode={hospital.code} onIssueCode={onIssueCode} onRevoke={onRevoke} />)
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
  const { t } = useTranslator();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === '') return setProblem(t('console.admin.nameDesk'));
    setProblem(null);
    if (
      await action.run(
        () => onRegisterDesk(hospital.id, name.trim()),
        () => t('console.admin.deskRegistered', { desk: name.trim(), hospital: hospital.code }),
      )
    )
      setName('');
    return undefined;
  };
  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
      <TextField
        label={t('console.admin.newDesk', { hospital: hospital.code })}
        value={name}
        maxLength={120}
        onChange={(event) => setName(event.target.value)}
        problem={problem}
      />
      <button type="submit" disabled={action.isBusy}>
        {t('console.admin.addDesk')}
        <span className="visually-hidden">{t('console.admin.atHospital', { hospital: hospital.code })}</span>
      </button>
      {action.error ? <ConsoleErrorNotice error={action.error} title={t('console.admin.notAdded')} /> : null}
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
  const { t } = useTranslator();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^[A-Z0-9-]{2,16}$/.test(code)) return setProblem({ field: 'code', message: t('console.admin.codeProblem') });
    if (name.trim() === '') return setProblem({ field: 'name', message: t('console.admin.hospitalNameProblem') });
    if (district.trim() === '') return setProblem({ field: 'district', message: t('console.admin.districtProblem') });
    setProblem(null);
    if (
      await action.run(
        () => onRegisterHospital({ code, name: name.trim(), district: district.trim() }),
        () => t('console.admin.hospitalRegistered', { code }),
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
      <h2 id="new-hospital-heading">{t('console.admin.addHospitalHeading')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label={t('console.admin.hospitalCode')}
          value={code}
          maxLength={16}
          onChange={(event) => setCode(event.target.value.toUpperCase())}
          problem={problem?.field === 'code' ? problem.message : null}
        />
        <TextField
          label={t('console.admin.hospitalName')}
          value={name}
          maxLength={200}
          onChange={(event) => setName(event.target.value)}
          problem={problem?.field === 'name' ? problem.message : null}
        />
        <TextField
          label={t('console.admin.district')}
          value={district}
          maxLength={64}
          onChange={(event) => setDistrict(event.target.value)}
          problem={problem?.field === 'district' ? problem.message : null}
        />
        {action.error ? <ConsoleErrorNotice error={action.error} title={t('console.admin.notAdded')} /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={action.isBusy}>
            {t('console.admin.addHospital')}
          </button>
        </div>
      </form>
    </section>
  );
}

function DeskRow({
  desk,
  hospitalCode,
  onIssueCode,
  onRevoke,
}: {
  readonly desk: AdminHospital['desks'][number];
  readonly hospitalCode: string;
  readonly onIssueCode: (deskId: string) => Promise<ConsoleResult<{ code: string; expiresAt: string }>>;
  readonly onRevoke: (deskId: string, reason: string) => Promise<ConsoleResult<unknown>>;
}) {
  const issue = useAction();
  const revoke = useAction();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const headingId = useId();
  const translator = useTranslator();
  const { t } = translator;
  const submitRevoke = async (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim() === '') return setProblem(t('console.admin.revokeReason'));
    setProblem(null);
    if (
      await revoke.run(
        () => onRevoke(desk.id, reason.trim()),
        () => t('console.admin.revoked', { desk: desk.name }),
      )
    )
      setReason('');
    return undefined;
  };
  return (
    <article className="desk-admin" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {desk.name}{' '}
        <StatusBadge
          text={desk.status === 'active' ? t('console.admin.state.active') : t('console.fleet.state.revoked')}
          tone={desk.status === 'active' ? 'good' : 'bad'}
        />
      </h3>
      <p className="screen-subtitle">
        {desk.enrolledAt ? t('console.admin.enrolled', { time: formatTimeIn(translator, desk.enrolledAt) }) : t('console.admin.neverEnrolled')} ·{' '}
        {t('console.admin.registry', { district: desk.registryDistrict })}
        {desk.pendingCodeExpiresAt ? t('console.admin.codeValidUntil', { time: formatTimeIn(translator, desk.pendingCodeExpiresAt) }) : ''}
      </p>
      <div className="button-row">
        <button
          type="button"
          disabled={issue.isBusy}
          onClick={() =>
            void issue.run(
              () => onIssueCode(desk.id),
              (value) =>
                t('console.admin.codeIssued', { desk: desk.name, hospital: hospitalCode, code: value.code, time: formatTimeIn(translator, value.expiresAt) }),
            )
          }
        >
          {t('console.admin.issueCode')}
          <span className="visually-hidden">{t('console.admin.forDesk', { desk: desk.name })}</span>
        </button>
      </div>
      {issue.error ? <ConsoleErrorNotice error={issue.error} title={t('console.admin.noCode')} /> : null}
      {issue.done ? (
        <p className="notice notice-info enrollment-code" role="status">
          {issue.done}
        </p>
      ) : null}
      {desk.status === 'active' ? (
        <form className="inline-form" onSubmit={(event) => void submitRevoke(event)} noValidate>
          <TextField
            label={t('console.admin.reasonToRevoke', { desk: desk.name })}
            value={reason}
            maxLength={500}
            onChange={(event) => setReason(event.target.value)}
            problem={problem}
          />
          <button type="submit" className="danger" disabled={revoke.isBusy}>
            {t('console.admin.revoke')}
            <span className="visually-hidden"> {desk.name}</span>
          </button>
        </form>
      ) : null}
      {revoke.error ? <ConsoleErrorNotice error={revoke.error} title={t('console.admin.notRevoked')} /> : null}
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
  const { t } = useTranslator();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^[a-z0-9._-]{3,40}$/.test(username)) return setProblem({ field: 'username', message: t('console.admin.usernameProblem') });
    if (displayName.trim() === '') return setProblem({ field: 'displayName', message: t('console.admin.displayNameProblem') });
    if (password.length < 10) return setProblem({ field: 'password', message: t('console.admin.passwordProblem') });
    if (roles.length === 0) return setProblem({ field: 'roles', message: t('console.admin.rolesProblem') });
    if (roles.includes('MEDCO') && hospitalId === '') return setProblem({ field: 'hospital', message: t('console.admin.medcoHospital') });
    setProblem(null);
    if (
      await action.run(
        () => onCreate({ username, displayName: displayName.trim(), password, roles, hospitalId: hospitalId === '' ? null : hospitalId }),
        () => t('console.admin.operatorCreated', { username }),
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
      <h2 id="new-operator-heading">{t('console.admin.addOperatorHeading')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label={t('console.signIn.username')}
          autoComplete="off"
          value={username}
          onChange={(event) => setUsername(event.target.value.trim())}
          problem={problem?.field === 'username' ? problem.message : null}
        />
        <TextField
          label={t('console.admin.displayName')}
          value={displayName}
          maxLength={120}
          onChange={(event) => setDisplayName(event.target.value)}
          problem={problem?.field === 'displayName' ? problem.message : null}
        />
        <TextField
          label={t('console.admin.firstPassword')}
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          hint={t('console.admin.firstPasswordHint')}
          problem={problem?.field === 'password' ? problem.message : null}
        />
        <fieldset>
          <legend>{t('console.admin.roles')}</legend>
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
          <label htmlFor="new-operator-hospital">{t('console.queue.hospital')}</label>
          <select id="new-operator-hospital" value={hospitalId} onChange={(event) => setHospitalId(event.target.value)}>
            <option value="">{t('console.admin.allPayerSide')}</option>
            {hospitals.map((hospital) => (
              <option key={hospital.id} value={hospital.id}>
                {hospital.code}
              </option>
            ))}
          </select>
          {problem?.field === 'hospital' ? <p className="field-problem">{problem.message}</p> : null}
        </div>
        {action.error ? <ConsoleErrorNotice error={action.error} title={t('console.admin.notAdded')} /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={action.isBusy}>
            {t('console.admin.addOperator')}
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
  const { t } = useTranslator();
  return (
    <table className="data-table">
      <caption>{t('console.workspace.operators')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.admin.operator')}</th>
          <th scope="col">{t('console.admin.roles')}</th>
          <th scope="col">{t('console.queue.hospital')}</th>
          <th scope="col">{t('console.queue.status')}</th>
          <th scope="col">
            <span className="visually-hidden">{t('console.claims.action')}</span>
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
              <td>{operator.hospitalCode ?? t('console.admin.allPayerSide')}</td>
              <td>
                <StatusBadge
                  text={operator.isActive ? t('console.admin.state.active') : t('console.admin.deactivated')}
                  tone={operator.isActive ? 'good' : 'neutral'}
                />
              </td>
              <td>
                <button type="button" onClick={() => setEditing(operator.id)}>
                  {t('console.admin.change')}
                  <span className="visually-hidden"> {operator.username}</span>
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
  const { t } = useTranslator();
  const save = async () => {
    if (roles.length === 0) return setProblem(t('console.admin.keepRole'));
    if (roles.includes('MEDCO') && hospitalId === '') return setProblem(t('console.admin.medcoHospital'));
    setProblem(null);
    await action.run(
      () => onUpdate(operator.id, { roles, hospitalId: hospitalId === '' ? null : hospitalId, isActive }),
      () => t('console.admin.operatorUpdated', { username: operator.username }),
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
          <legend className="visually-hidden">{t('console.admin.rolesOf', { username: operator.username })}</legend>
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
        <select
          aria-label={t('console.admin.hospitalOf', { username: operator.username })}
          value={hospitalId}
          onChange={(event) => setHospitalId(event.target.value)}
        >
          <option value="">{t('console.admin.allPayerSide')}</option>
          {hospitals.map((hospital) => (
            <option key={hospital.id} value={hospital.id}>
              {hospital.code}
            </option>
          ))}
        </select>
      </td>
      <td>
        <label className="checkbox">
          <input type="checkbox" checked={isActive} onChange={(event) => setActive(event.target.checked)} /> {t('console.admin.state.active')}
        </label>
      </td>
      <td>
        <div className="button-row">
          <button type="button" className="primary" disabled={action.isBusy} onClick={() => void save()}>
            {t('console.admin.save')}
            <span className="visually-hidden"> {operator.username}</span>
          </button>
          <button type="button" onClick={onClose}>
            {t('console.admin.close')}
          </button>
        </div>
        {problem ? (
          <p className="field-problem" role="alert">
            {problem}
          </p>
        ) : null}
        {action.error ? <ConsoleErrorNotice error={action.error} title={t('console.admin.notChanged')} /> : null}
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
  onSetPrice,
}: {
  readonly packages: readonly AdminPackage[];
  readonly scheme: MoneyFormat;
  readonly onSetPrice: (packageCode: string, price: number) => Promise<ConsoleResult<CommandAnswerOf<'set-package-price'>>>;
}) {
  const [code, setCode] = useState('');
  const [priceText, setPriceText] = useState('');
  const [problem, setProblem] = useState<{ field: 'code' | 'price'; message: string } | null>(null);
  const action = useAction();
  const translator = useTranslator();
  const { t } = translator;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (code === '') return setProblem({ field: 'code', message: t('console.admin.choosePackage') });
    const parsed = parseAmount(priceText, scheme.minorPerUnit);
    if (!parsed.ok) return setProblem({ field: 'price', message: amountProblemText(parsed, t) });
    if (parsed.minor <= 0) return setProblem({ field: 'price', message: t('console.admin.priceMoreThanZero') });
    setProblem(null);
    if (
      await action.run(
        () => onSetPrice(code, parsed.minor),
        (value) => t('console.admin.priceSet', { code, price: formatMoney(parsed.minor, scheme), version: String(value.result.version) }),
      )
    )
      setPriceText('');
    return undefined;
  };
  return (
    <>
      <section className="panel" aria-labelledby="new-price-heading">
        <h2 id="new-price-heading">{t('console.admin.addPriceHeading')}</h2>
        <form className="inline-form" onSubmit={(event) => void submit(event)} noValidate>
          <div className="field">
            <label htmlFor="new-price-package">{t('console.case.package')}</label>
            <select
              id="new-price-package"
              value={code}
              onChange={(event) => setCode(event.target.value)}
              aria-invalid={problem?.field === 'code' ? true : undefined}
            >
              <option value="">{t('console.admin.choose')}</option>
              {packages.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.code} · {p.name}
                </option>
              ))}
            </select>
            {problem?.field === 'code' ? <p className="field-problem">{problem.message}</p> : null}
          </div>
          <TextField
            label={t('console.admin.newPrice', { currency: currencySymbol(scheme) })}
            inputMode="decimal"
            value={priceText}
            onChange={(event) => setPriceText(event.target.value)}
            problem={problem?.field === 'price' ? problem.message : null}
          />
          <button type="submit" className="primary" disabled={action.isBusy}>
            {t('console.admin.addPrice')}
          </button>
        </form>
        {action.error ? <ConsoleErrorNotice error={action.error} title={t('console.admin.priceNotChanged')} /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
      </section>
      <table className="data-table">
        <caption>{t('console.admin.catalogueCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('console.case.package')}</th>
            <th scope="col">{t('console.admin.specialty')}</th>
            <th scope="col" className="number">
              {t('console.admin.currentPrice')}
            </th>
            <th scope="col">{t('console.admin.earlierVersions')}</th>
          </tr>
        </thead>
        <tbody>
          {packages.map((p) => {
            const [current, ...earlier] = p.versions;
            return (
              <tr key={p.code}>
                <th scope="row">
                  {p.code} · {p.name}
                  {p.isUnspecified ? <div className="screen-subtitle">{t('console.admin.unspecifiedPackage')}</div> : null}
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
                    : earlier
                        .map((v) =>
                          t('console.admin.earlierVersion', {
                            version: String(v.version),
                            price: formatMoney(v.price, scheme),
                            from: formatTimeIn(translator, v.effectiveFrom),
                          }),
                        )
                        .join('; ')}
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
  const { t } = useTranslator();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const governmentShareBp = percentToBasisPoints(share);
    if (governmentShareBp === null) return setProblem({ field: 'share', message: t('console.admin.percentProblem') });
    const autoExtendBp = percentToBasisPoints(extend);
    if (autoExtendBp === null) return setProblem({ field: 'extend', message: t('console.admin.percentProblem') });
    const minutes = /^\d{1,5}$/.test(turnaround.trim()) ? Number(turnaround.trim()) : NaN;
    if (!(minutes >= 5 && minutes <= 10_080)) return setProblem({ field: 'turnaround', message: t('console.admin.turnaroundProblem') });
    const levelMinutes: Record<string, number> = {};
    for (const stage of formServiceLevelStages) {
      const text = (levels[stage] ?? '').trim();
      const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
      if (!(value >= 5 && value <= 86_400)) return setProblem({ field: stage, message: t('console.admin.levelProblem') });
      levelMinutes[stage] = value;
    }
    const serviceLevels = changedServiceLevels(scheme.serviceLevels, levelMinutes as Record<(typeof formServiceLevelStages)[number], number>);
    const change: ParameterChange = {
      ...changedParameters(scheme, { governmentShareBp, autoExtendBp, preauthTurnaroundMinutes: minutes, shortfallPolicy: policy }),
      ...(serviceLevels ? { serviceLevels } : {}),
    };
    if (Object.keys(change).length === 0) return setProblem({ field: 'form', message: t('console.admin.nothingChanged') });
    if (reason.trim() === '') return setProblem({ field: 'reason', message: t('console.admin.writeWhy') });
    setProblem(null);
    if (
      await action.run(
        () => onSave(change, reason.trim()),
        () => t('console.admin.schemeSaved'),
      )
    )
      setReason('');
    return undefined;
  };
  return (
    <section className="panel" aria-labelledby="scheme-heading">
      <h2 id="scheme-heading">{t('console.admin.schemeHeading', { name: scheme.name, year: String(scheme.policyYear) })}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <TextField
          label={t('console.admin.governmentShare')}
          inputMode="decimal"
          value={share}
          onChange={(event) => setShare(event.target.value)}
          hint={t('console.admin.governmentShareHint', { share: basisPointsToPercent(scheme.governmentShareBp) })}
          problem={problem?.field === 'share' ? problem.message : null}
        />
        <fieldset>
          <legend>{t('console.admin.shortfallLegend')}</legend>
          <label className="checkbox">
            <input type="radio" name="shortfall-policy" value="partial-hold" checked={policy === 'partial-hold'} onChange={() => setPolicy('partial-hold')} />{' '}
            {t('console.admin.partialHold')}
          </label>
          <label className="checkbox">
            <input type="radio" name="shortfall-policy" value="refuse" checked={policy === 'refuse'} onChange={() => setPolicy('refuse')} />{' '}
            {t('console.admin.refusePreauth')}
          </label>
        </fieldset>
        <TextField
          label={t('console.admin.autoExtend')}
          inputMode="decimal"
          value={extend}
          onChange={(event) => setExtend(event.target.value)}
          problem={problem?.field === 'extend' ? problem.message : null}
        />
        <TextField
          label={t('console.admin.turnaroundTarget')}
          inputMode="numeric"
          value={turnaround}
          onChange={(event) => setTurnaround(event.target.value)}
          problem={problem?.field === 'turnaround' ? problem.message : null}
        />
        <fieldset>
          <legend>{t('console.admin.levelsLegend')}</legend>
          {formServiceLevelStages.map((stage) => (
            <TextField
              key={stage}
              label={t('console.admin.levelLabel', { stage: t(stageLabels[stage]) })}
              inputMode="numeric"
              value={levels[stage] ?? ''}
              onChange={(event) => setLevels((current) => ({ ...current, [stage]: event.target.value }))}
              hint={t('console.admin.levelNow', { level: formatMinutes(scheme.serviceLevels[stage], t) })}
              problem={problem?.field === stage ? problem.message : null}
            />
          ))}
        </fieldset>
        <TextField
          label={t('console.admin.changeReason')}
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
        {action.error ? <ConsoleErrorNotice error={action.error} title={t('console.admin.notSaved')} /> : null}
        {action.done ? (
          <p className="notice notice-info" role="status">
            {action.done}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="primary" disabled={action.isBusy}>
            {t('console.admin.saveScheme')}
          </button>
        </div>
      </form>
    </section>
  );
}
