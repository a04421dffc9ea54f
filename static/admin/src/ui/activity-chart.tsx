/** An SVG bar chart of sync activity per hour, stacked by outcome, with a text summary for screen readers. */
import { token } from '@atlaskit/tokens';
import type { ReactNode } from 'react';
import type { ActivityBucket } from '../../../../src/shared/admin-api';

const WIDTH = 1040;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 8, bottom: 28, left: 36 };

const SERIES = [
  { key: 'applied', label: 'Applied', color: token('color.chart.success.bold', '#22A06B') },
  { key: 'failed', label: 'Failed', color: token('color.chart.danger.bold', '#E2483D') },
  { key: 'other', label: 'Planned or skipped', color: token('color.chart.neutral', '#8590A2') },
] as const;

function hourLabel(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Picks a round maximum for the y axis (1, 2, 5, 10, 20, 50, …) at or above the largest bar. */
export function niceMaximum(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

/** Props of ActivityChart. */
export interface ActivityChartProps {
  readonly buckets: readonly ActivityBucket[];
  readonly title: string;
}

/** Draws the buckets oldest to newest. */
export function ActivityChart({ buckets, title }: ActivityChartProps): ReactNode {
  const totals = buckets.map((bucket) => bucket.applied + bucket.failed + bucket.other);
  const maximum = niceMaximum(Math.max(0, ...totals));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / Math.max(1, buckets.length);
  const barWidth = Math.max(2, slot * 0.7);
  const y = (value: number): number => MARGIN.top + plotHeight - (value / maximum) * plotHeight;
  const sum = (key: 'applied' | 'failed' | 'other'): number =>
    buckets.reduce((total, bucket) => total + bucket[key], 0);
  const summary = `${sum('applied')} applied, ${sum('failed')} failed, ${sum('other')} planned or skipped over ${buckets.length} hours; busiest hour ${Math.max(0, ...totals)} entries.`;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-labelledby="activity-title activity-desc"
        style={{ display: 'block' }}
      >
        <title id="activity-title">{title}</title>
        <desc id="activity-desc">{summary}</desc>
        {[0, 0.5, 1].map((fraction) => (
          <g key={fraction}>
            <line
              x1={MARGIN.left}
              x2={WIDTH - MARGIN.right}
              y1={y(maximum * fraction)}
              y2={y(maximum * fraction)}
              stroke={token('color.border', '#091E4224')}
            />
            <text
              x={MARGIN.left - 6}
              y={y(maximum * fraction) + 4}
              textAnchor="end"
              fontSize={11}
              fill={token('color.text.subtle', '#44546F')}
            >
              {Math.round(maximum * fraction)}
            </text>
          </g>
        ))}
        {buckets.map((bucket, index) => {
          const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
          let base = 0;
          return (
            <g key={bucket.hour}>
              <title>{`${hourLabel(bucket.hour)}: ${bucket.applied} applied, ${bucket.failed} failed, ${bucket.other} other`}</title>
              {SERIES.map((series) => {
                const value = bucket[series.key];
                const top = y(base + value);
                const height = y(base) - top;
                base += value;
                return value > 0 ? (
                  <rect key={series.key} x={x} y={top} width={barWidth} height={height} fill={series.color} />
                ) : null;
              })}
              {index % labelEvery === 0 ? (
                <text
                  x={x + barWidth / 2}
                  y={HEIGHT - 8}
                  textAnchor="middle"
                  fontSize={11}
                  fill={token('color.text.subtle', '#44546F')}
                >
                  {hourLabel(bucket.hour)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption style={{ display: 'flex', gap: 16, fontSize: 12, marginTop: 4 }}>
        {SERIES.map((series) => (
          <span key={series.key} style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
            <span
              aria-hidden="true"
              style={{ width: 10, height: 10, background: series.color, display: 'inline-block', borderRadius: 2 }}
            />
            {series.label}: {sum(series.key)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
