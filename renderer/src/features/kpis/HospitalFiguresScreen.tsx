import type { KpiDashboardValue } from '@contract/kpis';
import { useScheme } from '../../app/desk-context';
import { useDeskQuery } from '../../shared/hooks/use-desk-request';
import { useSyncProgress } from '../../shared/hooks/use-sync-progress';
import { headlineMeasures } from '../../shared/kpi-headlines';
import { formatTime } from '../../shared/time';
import { ErrorNotice, InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';

/**
 * This hospital's own revenue-cycle figures (issue 15): the KPI dashboard's headline measures for
 * the server's default period, as the server computed them just now, for this hospital only.
 * Online only: offline the screen says the figures need a connection and shows none, since an old
 * figure on this screen would pass for a current one. Read again whenever the desk goes on or off
 * line, so figures never outlive the connection they came over.
 */
export function HospitalFiguresScreen() {
  const kpis = useDeskQuery('kpis.view', {});
  useSyncProgress(kpis.reload);
  return (
    <ScreenFrame title="Our hospital's figures">
      {kpis.status === 'loading' ? <LoadingNotice>Asking the server for this hospital's figures…</LoadingNotice> : null}
      {kpis.status === 'error' && kpis.error.code === 'offline-unavailable' ? (
        <InfoNotice>
          <p>{kpis.error.message} This desk keeps no copy of them.</p>
          <button type="button" onClick={kpis.reload}>
            Try again
          </button>
        </InfoNotice>
      ) : null}
      {kpis.status === 'error' && kpis.error.code !== 'offline-unavailable' ? <ErrorNotice error={kpis.error} onRetry={kpis.reload} /> : null}
      {kpis.status === 'ready' ? <HospitalFigures figures={kpis.value} /> : null}
    </ScreenFrame>
  );
}

function HospitalFigures({ figures }: { readonly figures: KpiDashboardValue }) {
  const scheme = useScheme();
  const money = { currency: figures.currency, locale: scheme.locale, minorPerUnit: figures.minorPerUnit };
  return (
    <section className="panel" aria-labelledby="hospital-figures-period">
      <p id="hospital-figures-period" className="screen-subtitle">
        Hospital {figures.filters.hospital ?? ''} · {figures.filters.from} to {figures.filters.to} · open receivables as of {figures.aging.asOfDate} · computed{' '}
        <time dateTime={figures.computedAt}>{formatTime(figures.computedAt, scheme.locale)}</time>
      </p>
      <table className="data-table">
        <caption>
          Headline measures, {figures.filters.from} to {figures.filters.to}
        </caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" className="number">
              Value
            </th>
            <th scope="col">Of</th>
          </tr>
        </thead>
        <tbody>
          {headlineMeasures(figures, money).map((measure) => (
            <tr key={measure.term}>
              <th scope="row">{measure.term}</th>
              <td className="number">{measure.value}</td>
              <td>{measure.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
