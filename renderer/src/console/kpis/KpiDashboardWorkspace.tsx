import { lazy, Suspense, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { KpiDashboardValue, KpiDrillDownValue, KpiFilterChoicesValue } from '@contract/kpis';
import type { TurnaroundDrillDownValue, TurnaroundReportValue } from '@contract/turnaround';
import {
  agingTable,
  denialReasonTable,
  denialsByHospitalTable,
  denialsBySpecialtyTable,
  formatMinutes,
  kpiTableNames,
  trendTable,
  turnaroundBucketLabels,
  turnaroundDistributionTable,
  turnaroundStageLabels,
  turnaroundTable,
  reasonCodeLabels,
  type KpiTable,
  type KpiTableName,
} from '@domain/kpi-tables';
import type { Reloadable } from '../../shared/loadable';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { formatMoney, type MoneyFormat } from '../../shared/money';
import { headlineMeasures } from '../../shared/kpi-headlines';
import { formatTime } from '../../shared/time';
import { useConsole } from '../app/console-context';
import { caseHash } from '../app/routes';
import { useServerRead } from '../admin/use-server-read';
import type { ConsoleError } from '../data/api';
import {
  agingBars,
  agingTarget,
  compactUnits,
  drillExportPath,
  drillPath,
  exportPath,
  filterParams,
  formatCell,
  monthsBefore,
  monthlyReportPath,
  monthLabel,
  monthTarget,
  noFilters,
  paretoBars,
  reasonTarget,
  trendSeries,
  turnaroundBars,
  turnaroundDistributionBars,
  turnaroundDistributionRows,
  turnaroundDrillPath,
  turnaroundPath,
  turnaroundTarget,
  isTurnaroundDrill,
  type DashboardDrill,
  type TurnaroundDrillTarget,
  type DrillTarget,
  type KpiFilterState,
} from './kpi-dashboard-data';

// Recharts is its own chunk, fetched when the dashboard first draws (KpiCharts.tsx says why).
const charts = () => import('./KpiCharts');
const TrendChart = lazy(() => charts().then((m) => ({ default: m.TrendChart })));
const RatesChart = lazy(() => charts().then((m) => ({ default: m.RatesChart })));
const AgingChart = lazy(() => charts().then((m) => ({ default: m.AgingChart })));
const ParetoChart = lazy(() => charts().then((m) => ({ default: m.ParetoChart })));
const TurnaroundChart = lazy(() => charts().then((m) => ({ default: m.TurnaroundChart })));
const TurnaroundDistributionChart = lazy(() => charts().then((m) => ({ default: m.TurnaroundDistributionChart })));

const drillPageSize = 25;

/**
 * HA and ACO: the revenue-cycle dashboard (issue 15; measures in sync-server/docs/kpis.md). The
 * filters drive every server read; each chart has its table (the same cells as its CSV and XLSX
 * export) and every bar or point opens the claims behind it, by mouse or keyboard.
 */
export function KpiDashboardWorkspace() {
  const choices = useServerRead<KpiFilterChoicesValue>('/reports/kpis/filters');
  return (
    <ScreenFrame title="Revenue cycle">
      {choices.status === 'loading' ? <LoadingNotice>Loading the dashboard…</LoadingNotice> : null}
      {choices.status === 'error' ? <ErrorNotice error={choices.error} title="The dashboard's filters could not be read." onRetry={choices.reload} /> : null}
      {choices.status === 'ready' ? <Dashboard choices={choices.value} /> : null}
    </ScreenFrame>
  );
}

function Dashboard({ choices }: { readonly choices: KpiFilterChoicesValue }) {
  const { session } = useConsole();
  const money: MoneyFormat = session.scheme;
  const locale = session.scheme.locale;
  const [filters, setFilters] = useState<KpiFilterState>({ ...noFilters, from: monthsBefore(choices.currentMonth, 11), to: choices.currentMonth });
  const [drill, setDrill] = useState<DashboardDrill | null>(null);
  const dashboard = useServerRead<KpiDashboardValue>(`/reports/kpis?${filterParams(filters).toString()}`);
  // Turnaround is asked for at once, beside the KPIs (not after their charts are drawn): from the
  // period's first month up to the server's own now (no end sent: a console whose clock runs behind
  // the server's would leave out the stages completed in between). Its drill-down keeps the end the
  // report answered with, so the bars and the stages behind them are the same set.
  const turnaroundScope = { from: filters.from, hospital: filters.hospital === '' ? null : filters.hospital };
  const turnaround = useServerRead<TurnaroundReportValue>(turnaroundPath(turnaroundScope, null, choices.timeZone));
  const turnaroundEnd = turnaround.status === 'ready' ? turnaround.value.to : null;
  const change = (next: Partial<KpiFilterState>) => {
    setFilters((current) => ({ ...current, ...next }));
    setDrill(null);
  };
  return (
    <div className="kpi-dashboard">
      <FilterBar choices={choices} filters={filters} onChange={change} />
      {dashboard.status === 'loading' ? <LoadingNotice>Adding up the figures…</LoadingNotice> : null}
      {dashboard.status === 'error' ? <ErrorNotice error={dashboard.error} title="The figures could not be read." onRetry={dashboard.reload} /> : null}
      {dashboard.status === 'ready' ? (
        <Figures
          answer={dashboard.value}
          turnaround={turnaround}
          turnaroundScope={{ ...turnaroundScope, asOf: turnaroundEnd }}
          filters={filters}
          money={money}
          locale={locale}
          timeZone={choices.timeZone}
          drill={drill}
          onDrill={setDrill}
        />
      ) : null}
    </div>
  );
}

function FilterBar({
  choices,
  filters,
  onChange,
}: {
  readonly choices: KpiFilterChoicesValue;
  readonly filters: KpiFilterState;
  readonly onChange: (next: Partial<KpiFilterState>) => void;
}) {
  const id = useId();
  const packages = filters.specialty === '' ? choices.packages : choices.packages.filter((p) => p.specialty === filters.specialty);
  const isHospital = choices.perspective === 'hospital';
  return (
    <form className="kpi-filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
      <div className="kpi-filter">
        <label htmlFor={`${id}-from`}>From</label>
        <input
          id={`${id}-from`}
          type="month"
          value={filters.from}
          max={filters.to}
          required
          onChange={(e) => e.target.value && onChange({ from: e.target.value })}
        />
      </div>
      <div className="kpi-filter">
        <label htmlFor={`${id}-to`}>To</label>
        <input
          id={`${id}-to`}
          type="month"
          value={filters.to}
          min={filters.from}
          max={choices.currentMonth}
          required
          onChange={(e) => e.target.value && onChange({ to: e.target.value })}
        />
      </div>
      {isHospital ? null : (
        <>
          <Choice id={`${id}-hospital`} label="Hospital" value={filters.hospital} onChange={(hospital) => onChange({ hospital })}>
            {choices.hospitals.map((h) => (
              <option key={h.code} value={h.code}>
                {h.code} · {h.name}
              </option>
            ))}
          </Choice>
          <Choice id={`${id}-district`} label="District" value={filters.district} onChange={(district) => onChange({ district })}>
            {choices.districts.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </Choice>
        </>
      )}
      <Choice id={`${id}-specialty`} label="Specialty" value={filters.specialty} onChange={(specialty) => onChange({ specialty, package: '' })}>
        {choices.specialties.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </Choice>
      <Choice id={`${id}-package`} label="Package" value={filters.package} onChange={(pkg) => onChange({ package: pkg })}>
        {packages.map((p) => (
          <option key={p.code} value={p.code}>
            {p.code} · {p.name}
          </option>
        ))}
      </Choice>
    </form>
  );
}

function Choice({
  id,
  label,
  value,
  onChange,
  children,
}: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly children: ReactNode;
}) {
  return (
    <div className="kpi-filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All</option>
        {children}
      </select>
    </div>
  );
}

function Figures({
  answer,
  turnaround,
  turnaroundScope,
  filters,
  money,
  locale,
  timeZone,
  drill,
  onDrill,
}: {
  readonly answer: KpiDashboardValue;
  readonly turnaround: Reloadable<TurnaroundReportValue, ConsoleError>;
  readonly turnaroundScope: TurnaroundScope;
  readonly filters: KpiFilterState;
  readonly money: MoneyFormat;
  readonly locale: string;
  readonly timeZone: string;
  readonly drill: DashboardDrill | null;
  readonly onDrill: (target: DashboardDrill) => void;
}) {
  const formatUnits = (units: number) => formatMoney(Math.round(units * money.minorPerUnit), money);
  const compact = (units: number) => compactUnits(units, locale);
  const trend = trendSeries(answer.months, money.minorPerUnit, locale);
  const aging = agingBars(answer.aging, money.minorPerUnit);
  const pareto = paretoBars(answer.denials, money.minorPerUnit);
  const scope = [answer.filters.hospital, answer.filters.district, answer.filters.specialty, answer.filters.package]
    .filter((part) => part !== null)
    .join(' · ');
  return (
    <>
      <p className="screen-subtitle kpi-scope">
        {answer.perspective === 'scheme' ? 'The scheme' : `Hospital ${answer.filters.hospital ?? ''}`}
        {scope ? ` · ${scope}` : ' · all hospitals and packages'} · {answer.filters.from} to {answer.filters.to} · open receivables as of{' '}
        {answer.aging.asOfDate} · computed {formatTime(answer.computedAt, locale)}
      </p>
      <MonthlyReportButton filters={filters} month={answer.filters.to} locale={locale} hospital={answer.filters.hospital} />
      <dl className="kpi-tiles">
        {headlineMeasures(answer, money).map((measure) => (
          <Tile key={measure.term} term={measure.term} value={measure.value} note={measure.note} tone={measure.isAlarming ? 'bad' : undefined} />
        ))}
      </dl>
      <div className="kpi-grid">
        <ChartCard
          title="Charges and payments by month"
          table={trendTable(answer.months)}
          filters={filters}
          money={money}
          drillOfRow={(row) => monthTarget('submitted', answer.months[row]!.month, locale)}
          onDrill={onDrill}
          chart={
            <TrendChart
              data={trend}
              title="Charges and payments by month"
              description="Bars: the payer amount of claims submitted and the amount paid in each month. Line: open receivables at each month's end. Each bar opens its claims."
              formatMoney={formatUnits}
              compact={compact}
              targetOf={(set, month) => monthTarget(set, month, locale)}
              onDrill={onDrill}
            />
          }
        />
        <ChartCard
          title="Claim quality and collection by month"
          table={trendTable(answer.months)}
          tableName="trend"
          filters={filters}
          money={money}
          drillOfRow={(row) => monthTarget('denied', answer.months[row]!.month, locale)}
          drillLabel="Denied claims"
          onDrill={onDrill}
          chart={
            <RatesChart
              data={trend}
              title="Claim quality and collection by month"
              description="Clean-claim rate, denial rate by count and gross collection rate per month, in per cent. A month with nothing to count has no point. Each point opens its claims."
              targetOf={(set, month) => monthTarget(set, month, locale)}
              onDrill={onDrill}
            />
          }
        />
        <ChartCard
          title="A/R aging"
          table={agingTable(answer.aging)}
          filters={filters}
          money={money}
          drillOfRow={(row) => agingTarget(aging[row]!.bucket, answer.aging.asOfDate)}
          onDrill={onDrill}
          chart={
            <AgingChart
              data={aging}
              title="Open receivables by age"
              description={`Open receivables on ${answer.aging.asOfDate} by days since the claim was submitted; buckets over 90 days in red. Each bar opens its claims.`}
              formatMoney={formatUnits}
              compact={compact}
              targetOf={(bar) => agingTarget(bar.bucket, answer.aging.asOfDate)}
              onDrill={onDrill}
            />
          }
        />
        <ChartCard
          title="Denials by reason"
          table={denialReasonTable(answer.denials)}
          filters={filters}
          money={money}
          drillOfRow={(row) => reasonTarget(pareto[row]!.reason)}
          onDrill={onDrill}
          empty={pareto.length === 0 ? 'Nothing was disallowed in the period.' : null}
          chart={
            <ParetoChart
              data={pareto}
              title="Denials by reason (Pareto)"
              description="Amount disallowed by CPD reason code, largest first, with the running share of all that was disallowed. Each bar opens its claims."
              formatMoney={formatUnits}
              compact={compact}
              targetOf={(bar) => reasonTarget(bar.reason)}
              onDrill={onDrill}
            />
          }
        />
        {turnaround.status === 'ready' ? (
          <>
            <ChartCard
              title="Turnaround against service levels"
              note="Period and hospital only: a stage is not always a claim's, so district, specialty and package do not apply here. Open clocks are in Turnaround clocks."
              table={turnaroundTable(turnaround.value)}
              filters={filters}
              money={money}
              empty={turnaroundBars(turnaround.value).length === 0 ? 'No stage was completed in the period.' : null}
              chart={
                <TurnaroundChart
                  data={turnaroundBars(turnaround.value)}
                  title="Turnaround per stage against its service level"
                  description="For each stage completed in the period, the average and the 90th-percentile time as a per cent of the stage's service level; the dashed line is the service level."
                />
              }
            />
            <ChartCard
              title="Turnaround distribution"
              note="Stages completed in the period by time taken against their service level. Each segment opens the stages behind it."
              table={turnaroundDistributionTable(turnaround.value)}
              filters={filters}
              money={money}
              drillOfRow={(row) => {
                const pair = turnaroundDistributionRows(turnaround.value)[row];
                return pair && pair.completed > 0 ? pair.target : null;
              }}
              drillLabel="Stages"
              onDrill={onDrill}
              empty={turnaroundDistributionBars(turnaround.value).length === 0 ? 'No stage was completed in the period.' : null}
              chart={
                <TurnaroundDistributionChart
                  data={turnaroundDistributionBars(turnaround.value)}
                  title="Stages completed by time taken against the service level"
                  description="For each stage completed in the period, the share that took up to half its service level, up to the service level, up to twice it and longer. Each segment opens its stages."
                  targetOf={(bar, bucket) => turnaroundTarget(bar.stage, bucket)}
                  onDrill={onDrill}
                />
              }
            />
          </>
        ) : turnaround.status === 'error' ? (
          <ErrorNotice error={turnaround.error} title="Turnaround could not be read." onRetry={turnaround.reload} />
        ) : (
          <LoadingNotice>Loading turnaround…</LoadingNotice>
        )}
        <TableCard title="Denials by hospital" table={denialsByHospitalTable(answer.denials)} filters={filters} money={money} />
        <TableCard title="Denials by specialty" table={denialsBySpecialtyTable(answer.denials)} filters={filters} money={money} />
      </div>
      {drill === null ? null : isTurnaroundDrill(drill) ? (
        turnaroundScope.asOf === null ? null : (
          <TurnaroundDrillDown
            key={JSON.stringify(drill)}
            target={drill}
            scope={{ ...turnaroundScope, asOf: turnaroundScope.asOf }}
            timeZone={timeZone}
            locale={locale}
          />
        )
      ) : (
        <DrillDown key={JSON.stringify(drill)} target={drill} filters={filters} money={money} locale={locale} />
      )}
    </>
  );
}

function Tile({ term, value, note, tone }: { readonly term: string; readonly value: string; readonly note: string; readonly tone?: 'bad' | undefined }) {
  return (
    <div className={`kpi-tile${tone ? ` kpi-tile-${tone}` : ''}`}>
      <dt>{term}</dt>
      <dd className="kpi-tile-value">{value}</dd>
      <dd className="kpi-tile-note">{note}</dd>
    </div>
  );
}

/** Fetch a server file (an export or the monthly PDF) with the session and save it the way the desk saves the bill's PDF. */
function useDownload<K extends string>(): {
  readonly busy: K | null;
  readonly error: ConsoleError | null;
  readonly save: (kind: K, path: string) => Promise<void>;
} {
  const { api } = useConsole();
  const [busy, setBusy] = useState<K | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const save = async (kind: K, path: string) => {
    setBusy(kind);
    setError(null);
    const answer = await api.download(path);
    setBusy(null);
    if (!answer.ok) {
      setError(answer.error);
      return;
    }
    const url = URL.createObjectURL(answer.value.blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = answer.value.fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return { busy, error, save };
}

/** Save one table behind a chart (GET /reports/kpis/export), or the claims behind a mark (…/claims/export), as CSV or XLSX. */
function ExportButtons({ pathOf, title }: { readonly pathOf: (format: 'csv' | 'xlsx') => string; readonly title: string }) {
  const { busy, error, save } = useDownload<'csv' | 'xlsx'>();
  return (
    <div className="kpi-export">
      <button
        type="button"
        className="kpi-quiet"
        onClick={() => void save('csv', pathOf('csv'))}
        disabled={busy !== null}
        aria-label={`Download ${title} as CSV`}
      >
        {busy === 'csv' ? 'Preparing…' : 'CSV'}
      </button>
      <button
        type="button"
        className="kpi-quiet"
        onClick={() => void save('xlsx', pathOf('xlsx'))}
        disabled={busy !== null}
        aria-label={`Download ${title} as XLSX`}
      >
        {busy === 'xlsx' ? 'Preparing…' : 'XLSX'}
      </button>
      {error ? <ErrorNotice error={error} title="The export could not be made." /> : null}
    </div>
  );
}

/** The printable monthly report of the period's last month, for the chosen hospital or the scheme. */
function MonthlyReportButton({
  filters,
  month,
  locale,
  hospital,
}: {
  readonly filters: KpiFilterState;
  readonly month: string;
  readonly locale: string;
  readonly hospital: string | null;
}) {
  const { busy, error, save } = useDownload<'pdf'>();
  const whose = hospital === null ? 'the scheme' : `hospital ${hospital}`;
  return (
    <div className="kpi-export kpi-monthly-report">
      <button type="button" onClick={() => void save('pdf', monthlyReportPath(filters, month))} disabled={busy !== null}>
        {busy === 'pdf' ? 'Preparing the report…' : `Monthly report for ${monthLabel(month, locale, 'long')} (PDF)`}
      </button>
      <span className="kpi-card-note">
        The last month of the period, for {whose}
        {filters.district || filters.specialty || filters.package ? '; district, specialty and package do not apply to it' : ''}.
      </span>
      {error ? <ErrorNotice error={error} title="The monthly report could not be made." /> : null}
    </div>
  );
}

function ChartCard({
  title,
  note,
  chart,
  table,
  tableName,
  filters,
  money,
  drillOfRow,
  drillLabel = 'Claims',
  onDrill,
  empty = null,
}: {
  readonly title: string;
  readonly note?: string;
  readonly chart: ReactNode;
  readonly table: KpiTable<string>;
  readonly tableName?: KpiTableName;
  readonly filters: KpiFilterState;
  readonly money: MoneyFormat;
  readonly drillOfRow?: (row: number) => DashboardDrill | null;
  readonly drillLabel?: string;
  readonly onDrill?: (target: DashboardDrill) => void;
  readonly empty?: string | null;
}) {
  const headingId = useId();
  // A table the server exports (GET /reports/kpis/export); the turnaround distribution is not one.
  const exportName = tableName ?? kpiTableNames.find((name) => name === table.name) ?? null;
  return (
    <section className="kpi-card" aria-labelledby={headingId}>
      <div className="kpi-card-heading">
        <h2 id={headingId}>{title}</h2>
        {exportName === null ? null : <ExportButtons pathOf={(format) => exportPath(filters, exportName, format)} title={title} />}
      </div>
      {note ? <p className="kpi-card-note">{note}</p> : null}
      {empty ? <p className="kpi-empty">{empty}</p> : <Suspense fallback={<p className="kpi-empty">Drawing the chart…</p>}>{chart}</Suspense>}
      <details className="kpi-table-alternative">
        <summary>Table: {table.title}</summary>
        <KpiTableView table={table} money={money} drillOfRow={drillOfRow} drillLabel={drillLabel} onDrill={onDrill} />
      </details>
    </section>
  );
}

function TableCard({
  title,
  table,
  filters,
  money,
}: {
  readonly title: string;
  readonly table: KpiTable;
  readonly filters: KpiFilterState;
  readonly money: MoneyFormat;
}) {
  const headingId = useId();
  return (
    <section className="kpi-card kpi-card-wide" aria-labelledby={headingId}>
      <div className="kpi-card-heading">
        <h2 id={headingId}>{title}</h2>
        <ExportButtons pathOf={(format) => exportPath(filters, table.name, format)} title={title} />
      </div>
      {table.rows.length === 0 ? (
        <p className="kpi-empty">No claim was adjudicated in the period.</p>
      ) : (
        <KpiTableView table={table} money={money} isCaptionHidden />
      )}
    </section>
  );
}

/** A table behind a chart: the same cells as its export; a row that stands for claims has a button that opens them. */
export function KpiTableView({
  table,
  money,
  drillOfRow,
  drillLabel = 'Claims',
  onDrill,
  isCaptionHidden = false,
}: {
  readonly table: KpiTable<string>;
  readonly money: MoneyFormat;
  readonly isCaptionHidden?: boolean;
  readonly drillOfRow?: ((row: number) => DashboardDrill | null) | undefined;
  readonly drillLabel?: string;
  readonly onDrill?: ((target: DashboardDrill) => void) | undefined;
}) {
  const canDrill = drillOfRow !== undefined && onDrill !== undefined;
  return (
    <div className="kpi-table-scroll">
      <table className="data-table kpi-table">
        <caption className={isCaptionHidden ? 'visually-hidden' : undefined}>{table.title}</caption>
        <thead>
          <tr>
            {table.columns.map((column) => (
              <th key={column.label} scope="col" className={column.kind === 'text' ? undefined : 'number'}>
                {column.label}
              </th>
            ))}
            {canDrill ? (
              <th scope="col">
                <span className="visually-hidden">{drillLabel} behind the row</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, index) => {
            const target = canDrill ? drillOfRow(index) : null;
            return (
              <tr key={String(row[0]) + String(index)}>
                {row.map((cell, i) =>
                  i === 0 ? (
                    <th key={i} scope="row">
                      {formatCell(cell, table.columns[i]!.kind, money)}
                    </th>
                  ) : (
                    <td key={i} className={table.columns[i]!.kind === 'text' ? undefined : 'number'}>
                      {formatCell(cell, table.columns[i]!.kind, money)}
                    </td>
                  ),
                )}
                {canDrill ? (
                  <td>
                    {target ? (
                      <button type="button" className="kpi-quiet" onClick={() => onDrill(target)} aria-label={target.label}>
                        {drillLabel}
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const claimStatusLabels: Readonly<Record<KpiDrillDownValue['items'][number]['status'], string>> = {
  submitted: 'Submitted',
  processed: 'Processed by CEX',
  approved: 'Approved',
  denied: 'Denied',
  paid: 'Paid',
};

/** The claims behind a mark, paged, from GET /reports/kpis/claims with the dashboard's filters. */
function DrillDown({
  target,
  filters,
  money,
  locale,
}: {
  readonly target: DrillTarget;
  readonly filters: KpiFilterState;
  readonly money: MoneyFormat;
  readonly locale: string;
}) {
  const [offset, setOffset] = useState(0);
  const read = useServerRead<KpiDrillDownValue>(drillPath(filters, target, offset, drillPageSize));
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
    headingRef.current?.scrollIntoView({ block: 'start' });
  }, []);
  return (
    <section className="kpi-card kpi-drill" aria-labelledby="kpi-drill-heading">
      <div className="kpi-card-heading">
        <h2 id="kpi-drill-heading" ref={headingRef} tabIndex={-1}>
          {target.label}
        </h2>
        <ExportButtons pathOf={(format) => drillExportPath(filters, target, format)} title="these claims" />
      </div>
      {read.status === 'loading' ? <LoadingNotice>Finding the claims…</LoadingNotice> : null}
      {read.status === 'error' ? <ErrorNotice error={read.error} title="The claims could not be read." onRetry={read.reload} /> : null}
      {read.status === 'ready' ? (
        <>
          <p role="status">
            {read.value.total === 0
              ? 'No claims.'
              : `Claims ${read.value.offset + 1}–${read.value.offset + read.value.items.length} of ${read.value.total}, as of ${formatTime(read.value.asOf, locale)}.`}
          </p>
          {read.value.items.length > 0 ? (
            <div className="kpi-table-scroll">
              <table className="data-table kpi-table">
                <caption>{target.label}</caption>
                <thead>
                  <tr>
                    <th scope="col">Claim</th>
                    <th scope="col">Hospital</th>
                    <th scope="col">Package</th>
                    <th scope="col">Status</th>
                    <th scope="col">Submitted</th>
                    <th scope="col" className="number">
                      Claimed
                    </th>
                    <th scope="col" className="number">
                      Approved
                    </th>
                    <th scope="col" className="number">
                      Disallowed
                    </th>
                    <th scope="col" className="number">
                      Open
                    </th>
                    <th scope="col" className="number">
                      Age (days)
                    </th>
                    <th scope="col">Reasons</th>
                  </tr>
                </thead>
                <tbody>
                  {read.value.items.map((claim) => (
                    <tr key={claim.claimId}>
                      <th scope="row">
                        <a href={caseHash(claim.caseId)}>{claim.claimId.slice(0, 8)}</a>
                      </th>
                      <td>{claim.hospital}</td>
                      <td>{claim.package ?? '—'}</td>
                      <td>
                        {claimStatusLabels[claim.status]}
                        {claim.isReworked ? ' · reworked' : ''}
                      </td>
                      <td>{formatTime(claim.submittedAt, locale)}</td>
                      <td className="number">{formatMoney(claim.payerAmount, money)}</td>
                      <td className="number">{claim.approvedAmount === null ? '—' : formatMoney(claim.approvedAmount, money)}</td>
                      <td className="number">{formatMoney(claim.disallowedAmount, money)}</td>
                      <td className="number">{formatMoney(claim.openAmount, money)}</td>
                      <td className="number">{claim.ageDays}</td>
                      <td>{claim.reasonCodes.map((code) => reasonCodeLabels[code]).join('; ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="button-row">
            <button type="button" onClick={() => setOffset(Math.max(0, offset - drillPageSize))} disabled={offset === 0}>
              Previous claims
            </button>
            <button type="button" onClick={() => setOffset(offset + drillPageSize)} disabled={offset + read.value.items.length >= read.value.total}>
              Next claims
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}

/** The stages behind a bar of the turnaround distribution, paged, from GET /reports/turnaround/stages (the report's period and hospital). */
/** The turnaround report's period start, hospital and end (asOf: the end it answered with; null until it has), which its drill-down keeps. */
interface TurnaroundScope {
  readonly from: string;
  readonly hospital: string | null;
  readonly asOf: string | null;
}

function TurnaroundDrillDown({
  target,
  scope,
  timeZone,
  locale,
}: {
  readonly target: TurnaroundDrillTarget;
  readonly scope: TurnaroundScope & { readonly asOf: string };
  readonly timeZone: string;
  readonly locale: string;
}) {
  const [offset, setOffset] = useState(0);
  const read = useServerRead<TurnaroundDrillDownValue>(turnaroundDrillPath(scope, scope.asOf, timeZone, target, offset, drillPageSize));
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
    headingRef.current?.scrollIntoView({ block: 'start' });
  }, []);
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  return (
    <section className="kpi-card kpi-drill" aria-labelledby="kpi-drill-heading">
      <h2 id="kpi-drill-heading" ref={headingRef} tabIndex={-1}>
        {target.label}
      </h2>
      {read.status === 'loading' ? <LoadingNotice>Finding the stages…</LoadingNotice> : null}
      {read.status === 'error' ? <ErrorNotice error={read.error} title="The stages could not be read." onRetry={read.reload} /> : null}
      {read.status === 'ready' ? (
        <>
          <p role="status">
            {read.value.total === 0
              ? 'No stages.'
              : `Stages ${read.value.offset + 1}–${read.value.offset + read.value.items.length} of ${read.value.total}, longest first; service level ${formatMinutes(read.value.serviceLevelMinutes)}.`}
          </p>
          {read.value.items.length > 0 ? (
            <div className="kpi-table-scroll">
              <table className="data-table kpi-table">
                <caption>
                  {turnaroundStageLabels[target.stage]}: {turnaroundBucketLabels[target.bucket].toLowerCase()}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Case</th>
                    <th scope="col">Claim</th>
                    <th scope="col">Hospital</th>
                    <th scope="col">Started</th>
                    <th scope="col">Completed</th>
                    <th scope="col" className="number">
                      Took
                    </th>
                    <th scope="col" className="number">
                      Of the service level
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {read.value.items.map((stage) => (
                    <tr key={`${stage.caseId}-${stage.startedAt}`}>
                      <th scope="row">
                        <a href={caseHash(stage.caseId)}>{stage.caseId.slice(0, 8)}</a>
                      </th>
                      <td>{stage.claimId === null ? '—' : stage.claimId.slice(0, 8)}</td>
                      <td>{stage.hospitalCode}</td>
                      <td>{formatTime(stage.startedAt, locale)}</td>
                      <td>{formatTime(stage.stoppedAt, locale)}</td>
                      <td className="number">{formatMinutes(stage.elapsedMinutes)}</td>
                      <td className="number">
                        {read.value.serviceLevelMinutes > 0 ? percent.format(stage.elapsedMinutes / read.value.serviceLevelMinutes) : 'not available'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="button-row">
            <button type="button" onClick={() => setOffset(Math.max(0, offset - drillPageSize))} disabled={offset === 0}>
              Previous stages
            </button>
            <button type="button" onClick={() => setOffset(offset + drillPageSize)} disabled={offset + read.value.items.length >= read.value.total}>
              Next stages
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}
