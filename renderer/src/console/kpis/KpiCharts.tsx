/**
 * The dashboard's charts, drawn with Recharts (renderer/README.md, "KPI dashboard": why Recharts).
 * This module is the only one that imports Recharts and is loaded with import() by
 * KpiDashboardWorkspace, so Recharts and its d3 parts are one chunk of their own, fetched when the
 * dashboard opens: neither the desk's page nor the console's first load grows.
 *
 * Every mark that stands for claims is a focusable button inside the svg (Tab reaches it, Enter or
 * Space opens the claims behind it, its label says what it is and its value); the svg carries a
 * title and a description; the same figures are in the table beside each chart.
 */
import type { KeyboardEvent, ReactNode } from 'react';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type BarShapeProps,
  type DotItemDotProps,
} from 'recharts';
import { turnaroundBuckets, type TurnaroundBucket } from '@domain/turnaround';
import { turnaroundBucketLabels } from '@domain/kpi-tables';
import type { AgingBar, DrillTarget, ParetoBar, TrendPoint, TurnaroundBar, TurnaroundDistributionBar, TurnaroundDrillTarget } from './kpi-dashboard-data';

const colours = {
  charges: '#0b57d0',
  paid: '#1e8e3e',
  open: '#8a3ffc',
  clean: '#1e8e3e',
  denial: '#a1140e',
  collection: '#0b57d0',
  aging: '#0b57d0',
  agingOld: '#a1140e',
  pareto: '#b45309',
  cumulative: '#1a1c1e',
  average: '#0b57d0',
  p90: '#8a3ffc',
} as const;

const axisTick = { fontSize: 12, fill: '#4a4f55' } as const;

function onActivate(drill: () => void) {
  return (event: KeyboardEvent<SVGElement>) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      drill();
    }
  };
}

/** A bar that is a button: focusable, named, Enter/Space or a click opens its claims. */
function MarkBar({
  shape,
  fill,
  label,
  onDrill,
}: {
  readonly shape: BarShapeProps;
  readonly fill: string;
  readonly label: string;
  readonly onDrill: () => void;
}) {
  const { x, y, width, height } = shape;
  if (![x, y, width, height].every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  return (
    <rect
      className="chart-mark"
      x={x}
      y={y}
      width={Math.max(Number(width), 1)}
      height={Math.max(Number(height), 1)}
      fill={fill}
      rx={2}
      tabIndex={0}
      role="button"
      aria-label={label}
      onClick={onDrill}
      onKeyDown={onActivate(onDrill)}
    />
  );
}

/** A line's point that is a button; a month with no figure has no point (a gap, never a 0). */
function MarkDot({
  dot,
  stroke,
  label,
  onDrill,
}: {
  readonly dot: DotItemDotProps;
  readonly stroke: string;
  readonly label: string;
  readonly onDrill: () => void;
}) {
  const { cx, cy } = dot;
  if (typeof cx !== 'number' || typeof cy !== 'number' || dot.value === null || dot.value === undefined) return <g key={`gap-${dot.index}`} />;
  return (
    <circle
      key={`dot-${dot.index}`}
      className="chart-mark"
      cx={cx}
      cy={cy}
      r={5}
      fill="#ffffff"
      stroke={stroke}
      strokeWidth={2}
      tabIndex={0}
      role="button"
      aria-label={label}
      onClick={onDrill}
      onKeyDown={onActivate(onDrill)}
    />
  );
}

interface ChartProps<T> {
  readonly data: readonly T[];
  readonly title: string;
  readonly description: string;
  readonly onDrill: (target: DrillTarget) => void;
}

function Frame({ children, height = 260 }: { readonly children: ReactNode; readonly height?: number }) {
  return (
    <div className="chart-frame" style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        {children}
      </ResponsiveContainer>
    </div>
  );
}

export interface TrendChartProps extends ChartProps<TrendPoint> {
  readonly formatMoney: (units: number) => string;
  readonly compact: (units: number) => string;
  readonly targetOf: (set: 'submitted' | 'paid', month: string) => DrillTarget;
}

/** Charges and payments per month (bars), open receivables at each month's end (line). */
export function TrendChart({ data, title, description, onDrill, formatMoney, compact, targetOf }: TrendChartProps) {
  return (
    <Frame>
      <ComposedChart data={[...data]} title={title} desc={description} accessibilityLayer={false} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="#e3e6ea" vertical={false} />
        <XAxis dataKey="label" tick={axisTick} />
        <YAxis tickFormatter={compact} tick={axisTick} width={56} />
        <Tooltip formatter={(value) => formatMoney(Number(value))} />
        <Legend wrapperStyle={{ fontSize: 13 }} />
        <Bar
          dataKey="charges"
          name="Charges"
          fill={colours.charges}
          isAnimationActive={false}
          shape={(shape: BarShapeProps) => {
            const point = shape.payload as TrendPoint | undefined;
            if (!point) return <g />;
            const target = targetOf('submitted', point.month);
            return <MarkBar shape={shape} fill={colours.charges} label={`${target.label}: ${formatMoney(point.charges)}`} onDrill={() => onDrill(target)} />;
          }}
        />
        <Bar
          dataKey="paid"
          name="Paid"
          fill={colours.paid}
          isAnimationActive={false}
          shape={(shape: BarShapeProps) => {
            const point = shape.payload as TrendPoint | undefined;
            if (!point) return <g />;
            const target = targetOf('paid', point.month);
            return <MarkBar shape={shape} fill={colours.paid} label={`${target.label}: ${formatMoney(point.paid)}`} onDrill={() => onDrill(target)} />;
          }}
        />
        <Line dataKey="open" name="Open at month end" stroke={colours.open} strokeWidth={2} dot={false} isAnimationActive={false} />
      </ComposedChart>
    </Frame>
  );
}

export interface RatesChartProps extends ChartProps<TrendPoint> {
  readonly targetOf: (set: 'clean' | 'denied' | 'submitted', month: string) => DrillTarget;
}

/** Clean-claim, denial and gross collection rates per month, per cent; months without a denominator are gaps. */
export function RatesChart({ data, title, description, onDrill, targetOf }: RatesChartProps) {
  const series = [
    { key: 'cleanClaimRate', name: 'Clean-claim rate', colour: colours.clean, set: 'clean', dash: undefined },
    { key: 'denialRate', name: 'Denial rate', colour: colours.denial, set: 'denied', dash: '6 3' },
    { key: 'grossCollectionRate', name: 'Gross collection rate', colour: colours.collection, set: 'submitted', dash: '2 3' },
  ] as const;
  return (
    <Frame>
      <ComposedChart data={[...data]} title={title} desc={description} accessibilityLayer={false} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="#e3e6ea" vertical={false} />
        <XAxis dataKey="label" tick={axisTick} />
        <YAxis domain={[0, 100]} unit="%" tick={axisTick} width={48} />
        <Tooltip formatter={(value) => (value === null || value === undefined ? 'not available' : `${String(value)} %`)} />
        <Legend wrapperStyle={{ fontSize: 13 }} />
        {series.map((s) => (
          <Line
            key={s.key}
            dataKey={s.key}
            name={s.name}
            stroke={s.colour}
            strokeWidth={2}
            strokeDasharray={s.dash}
            connectNulls={false}
            isAnimationActive={false}
            activeDot={false}
            dot={(dot: DotItemDotProps) => {
              const point = dot.payload as TrendPoint | undefined;
              if (!point) return <g key={`${s.key}-${dot.index}`} />;
              const target = targetOf(s.set, point.month);
              return (
                <MarkDot
                  key={`${s.key}-${dot.index}`}
                  dot={dot}
                  stroke={s.colour}
                  label={`${s.name} ${point.label}: ${String(dot.value)} %. ${target.label}`}
                  onDrill={() => onDrill(target)}
                />
              );
            }}
          />
        ))}
      </ComposedChart>
    </Frame>
  );
}

export interface AgingChartProps extends ChartProps<AgingBar> {
  readonly formatMoney: (units: number) => string;
  readonly compact: (units: number) => string;
  readonly targetOf: (bar: AgingBar) => DrillTarget;
}

/** Open receivables by age; the buckets over 90 days in red (and named so in the table). */
export function AgingChart({ data, title, description, onDrill, formatMoney, compact, targetOf }: AgingChartProps) {
  return (
    <Frame height={240}>
      <ComposedChart data={[...data]} title={title} desc={description} accessibilityLayer={false} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="#e3e6ea" vertical={false} />
        <XAxis dataKey="label" tick={axisTick} />
        <YAxis tickFormatter={compact} tick={axisTick} width={56} />
        <Tooltip formatter={(value) => formatMoney(Number(value))} />
        <Bar
          dataKey="amount"
          name="Open amount"
          isAnimationActive={false}
          shape={(shape: BarShapeProps) => {
            const bar = shape.payload as AgingBar | undefined;
            if (!bar) return <g />;
            const fill = bar.isOverNinety ? colours.agingOld : colours.aging;
            const target = targetOf(bar);
            return (
              <MarkBar shape={shape} fill={fill} label={`${target.label}: ${bar.claims} claims, ${formatMoney(bar.amount)}`} onDrill={() => onDrill(target)} />
            );
          }}
        />
      </ComposedChart>
    </Frame>
  );
}

export interface ParetoChartProps extends ChartProps<ParetoBar> {
  readonly formatMoney: (units: number) => string;
  readonly compact: (units: number) => string;
  readonly targetOf: (bar: ParetoBar) => DrillTarget;
}

/** The denial Pareto: amount disallowed per reason, largest first, and the running share (right axis). */
export function ParetoChart({ data, title, description, onDrill, formatMoney, compact, targetOf }: ParetoChartProps) {
  return (
    <Frame height={240}>
      <ComposedChart data={[...data]} title={title} desc={description} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="#e3e6ea" vertical={false} />
        <XAxis
          dataKey="label"
          tick={{ ...axisTick, fontSize: 11 }}
          interval={0}
          tickFormatter={(label: string) => (label.length > 18 ? `${label.slice(0, 17)}…` : label)}
        />
        <YAxis yAxisId="amount" tickFormatter={compact} tick={axisTick} width={56} />
        <YAxis yAxisId="share" orientation="right" domain={[0, 100]} unit="%" tick={axisTick} width={44} />
        <Tooltip formatter={(value, name) => (name === 'Cumulative share' ? `${String(value)} %` : formatMoney(Number(value)))} />
        <Bar
          yAxisId="amount"
          dataKey="amount"
          name="Disallowed"
          fill={colours.pareto}
          isAnimationActive={false}
          shape={(shape: BarShapeProps) => {
            const bar = shape.payload as ParetoBar | undefined;
            if (!bar) return <g />;
            const target = targetOf(bar);
            return (
              <MarkBar
                shape={shape}
                fill={colours.pareto}
                label={`${target.label}: ${bar.lines} lines, ${formatMoney(bar.amount)}`}
                onDrill={() => onDrill(target)}
              />
            );
          }}
        />
        <Line yAxisId="share" dataKey="cumulative" name="Cumulative share" stroke={colours.cumulative} strokeWidth={2} isAnimationActive={false} />
      </ComposedChart>
    </Frame>
  );
}

/** Turnaround per stage: average and 90th percentile as a per cent of the stage's service level, the limit at 100 %. */
export function TurnaroundChart({ data, title, description }: Omit<ChartProps<TurnaroundBar>, 'onDrill'>) {
  const highest = Math.max(120, ...data.map((bar) => bar.p90 ?? 0));
  return (
    <Frame height={240}>
      <ComposedChart data={[...data]} title={title} desc={description} layout="vertical" margin={{ top: 8, right: 24, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="#e3e6ea" horizontal={false} />
        <XAxis type="number" domain={[0, Math.ceil(highest / 50) * 50]} unit="%" tick={axisTick} />
        <YAxis type="category" dataKey="label" tick={{ ...axisTick, fontSize: 11 }} width={150} />
        <Tooltip formatter={(value) => `${String(value)} % of the service level`} />
        <Legend wrapperStyle={{ fontSize: 13 }} />
        <ReferenceLine x={100} stroke="#a1140e" strokeDasharray="4 2" label={{ value: 'Service level', position: 'top', fontSize: 11, fill: '#a1140e' }} />
        <Bar dataKey="average" name="Average" fill={colours.average} isAnimationActive={false} />
        <Bar dataKey="p90" name="90th percentile" fill={colours.p90} isAnimationActive={false} />
      </ComposedChart>
    </Frame>
  );
}

const bucketColours: Readonly<Record<TurnaroundBucket, string>> = {
  'within-half': '#1e8e3e',
  within: '#0b57d0',
  past: '#b45309',
  'past-double': '#a1140e',
};

export interface TurnaroundDistributionChartProps {
  readonly data: readonly TurnaroundDistributionBar[];
  readonly title: string;
  readonly description: string;
  readonly targetOf: (bar: TurnaroundDistributionBar, bucket: TurnaroundBucket) => TurnaroundDrillTarget;
  readonly onDrill: (target: TurnaroundDrillTarget) => void;
}

/**
 * The turnaround distribution: per stage, one bar of 100 % split by time taken against the stage's
 * service level (within half, within, up to twice, over twice). Each segment with stages in it is a
 * button that opens them; an empty segment draws nothing and takes no Tab stop.
 */
export function TurnaroundDistributionChart({ data, title, description, targetOf, onDrill }: TurnaroundDistributionChartProps) {
  return (
    <Frame height={Math.max(160, 48 + data.length * 34)}>
      <ComposedChart
        data={[...data]}
        title={title}
        desc={description}
        layout="vertical"
        accessibilityLayer={false}
        margin={{ top: 8, right: 24, bottom: 0, left: 8 }}
      >
        <CartesianGrid stroke="#e3e6ea" horizontal={false} />
        <XAxis type="number" domain={[0, 100]} unit="%" tick={axisTick} />
        <YAxis type="category" dataKey="label" tick={{ ...axisTick, fontSize: 11 }} width={150} />
        <Tooltip formatter={(value) => `${String(value)} % of the stage`} />
        <Legend wrapperStyle={{ fontSize: 13 }} />
        {turnaroundBuckets.map((bucket) => (
          <Bar
            key={bucket}
            dataKey={(bar: TurnaroundDistributionBar) => bar.shares[bucket]}
            name={turnaroundBucketLabels[bucket]}
            stackId="share"
            fill={bucketColours[bucket]}
            isAnimationActive={false}
            shape={(shape: BarShapeProps) => {
              const bar = shape.payload as TurnaroundDistributionBar | undefined;
              if (!bar || bar.counts[bucket] === 0) return <g />;
              const target = targetOf(bar, bucket);
              return (
                <MarkBar
                  shape={shape}
                  fill={bucketColours[bucket]}
                  label={`${target.label}: ${bar.counts[bucket]} of ${bar.completed} (${bar.shares[bucket]} %)`}
                  onDrill={() => onDrill(target)}
                />
              );
            }}
          />
        ))}
      </ComposedChart>
    </Frame>
  );
}
