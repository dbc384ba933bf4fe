import { useState, type ReactNode } from 'react';

/**
 * Hand-written SVG charts: a few hundred lines of React instead of a charting library, so
 * the bundle stays small. Both share one frame: a y axis with round ticks and a time axis.
 */
export interface Series {
  name: string;
  color: string;
  /** One value per time; null where there is no data (e.g. before the page opened). */
  values: (number | null)[];
}

const W = 640;
const PAD = { left: 36, right: 8, top: 8, bottom: 20 };

function niceMax(v: number): number {
  if (v <= 4) return 4;
  const mag = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= v) return m * mag;
  return 10 * mag;
}

function Frame(props: {
  height: number;
  max: number;
  times: number[];
  label: (t: number) => string;
  children: ReactNode;
  hover: number | null;
  setHover: (i: number | null) => void;
}) {
  const { height, max, times } = props;
  const ih = height - PAD.top - PAD.bottom;
  const iw = W - PAD.left - PAD.right;
  const n = times.length;
  const x = (i: number) => PAD.left + (n <= 1 ? iw : (i / (n - 1)) * iw);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const every = Math.max(1, Math.ceil(n / 6));
  return (
    <svg
      viewBox={`0 0 ${W} ${height}`}
      className="chart"
      role="img"
      onMouseLeave={() => props.setHover(null)}
      onMouseMove={(e) => {
        const r = e.currentTarget.getBoundingClientRect();
        const px = ((e.clientX - r.left) / r.width) * W;
        if (n === 0) return;
        const i = Math.round(((px - PAD.left) / iw) * (n - 1));
        props.setHover(Math.max(0, Math.min(n - 1, i)));
      }}
    >
      {ticks.map((t) => {
        const y = PAD.top + ih - (t / max) * ih;
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="grid" />
            <text x={PAD.left - 6} y={y + 3} className="axis" textAnchor="end">
              {Number.isInteger(t) ? t : t.toFixed(1)}
            </text>
          </g>
        );
      })}
      {times.map((t, i) =>
        (i % every === 0 && n - 1 - i >= every) || i === n - 1 ? (
          <text
            key={t}
            x={x(i)}
            y={height - 5}
            className="axis"
            textAnchor={i === n - 1 ? 'end' : i === 0 ? 'start' : 'middle'}
          >
            {props.label(t)}
          </text>
        ) : null,
      )}
      {props.children}
      {props.hover !== null && n > 0 ? (
        <line
          x1={x(props.hover)}
          x2={x(props.hover)}
          y1={PAD.top}
          y2={PAD.top + ih}
          className="cursor"
        />
      ) : null}
    </svg>
  );
}

function Legend(props: { series: Series[]; hover: number | null; title?: string }) {
  return (
    <div className="legend">
      {props.title ? <span className="legend-title">{props.title}</span> : null}
      {props.series.map((s) => (
        <span key={s.name} className="legend-item">
          <i style={{ background: s.color }} />
          {s.name}
          {props.hover !== null ? <b>{s.values[props.hover] ?? '—'}</b> : null}
        </span>
      ))}
    </div>
  );
}

/** Lines over time, e.g. started / succeeded / failed per 5-second bucket. */
export function LineChart(props: {
  series: Series[];
  times: number[];
  label: (t: number) => string;
  height?: number;
  testid?: string;
}) {
  const height = props.height ?? 180;
  const [hover, setHover] = useState<number | null>(null);
  const max = niceMax(Math.max(0, ...props.series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const ih = height - PAD.top - PAD.bottom;
  const iw = W - PAD.left - PAD.right;
  const n = props.times.length;
  const x = (i: number) => PAD.left + (n <= 1 ? iw : (i / (n - 1)) * iw);
  const y = (v: number) => PAD.top + ih - (v / max) * ih;
  return (
    <div className="chart-wrap" data-testid={props.testid}>
      <Legend
        series={props.series}
        hover={hover}
        title={hover !== null ? props.label(props.times[hover]!) : undefined}
      />
      <Frame
        height={height}
        max={max}
        times={props.times}
        label={props.label}
        hover={hover}
        setHover={setHover}
      >
        {props.series.map((s) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={s.color}
              strokeWidth={2}
              strokeLinejoin="round"
              points={s.values
                .map((v, i) => (v === null ? null : `${x(i)},${y(v)}`))
                .filter((p) => p !== null)
                .join(' ')}
            />
            {s.values.map((v, i) =>
              v !== null && v > 0 ? (
                <circle key={i} cx={x(i)} cy={y(v)} r={2.5} fill={s.color} />
              ) : null,
            )}
          </g>
        ))}
      </Frame>
    </div>
  );
}

/** Stacked areas over time, e.g. queue depth by state. */
export function StackedArea(props: {
  series: Series[];
  times: number[];
  label: (t: number) => string;
  height?: number;
  testid?: string;
}) {
  const height = props.height ?? 180;
  const [hover, setHover] = useState<number | null>(null);
  const n = props.times.length;
  const totals = props.times.map((_, i) =>
    props.series.reduce((a, s) => a + (s.values[i] ?? 0), 0),
  );
  const max = niceMax(Math.max(0, ...totals));
  const ih = height - PAD.top - PAD.bottom;
  const iw = W - PAD.left - PAD.right;
  const x = (i: number) => PAD.left + (n <= 1 ? iw : (i / (n - 1)) * iw);
  const y = (v: number) => PAD.top + ih - (v / max) * ih;
  const base = new Array<number>(n).fill(0);
  const layers = props.series.map((s) => {
    const lower = base.slice();
    const upper = lower.map((b, i) => b + (s.values[i] ?? 0));
    upper.forEach((u, i) => (base[i] = u));
    const top = upper.map((v, i) => `${x(i)},${y(v)}`);
    const bottom = lower.map((v, i) => `${x(i)},${y(v)}`).reverse();
    return { s, d: n > 0 ? `M${top.join('L')}L${bottom.join('L')}Z` : '' };
  });
  return (
    <div className="chart-wrap" data-testid={props.testid}>
      <Legend
        series={props.series}
        hover={hover}
        title={hover !== null ? props.label(props.times[hover]!) : undefined}
      />
      <Frame
        height={height}
        max={max}
        times={props.times}
        label={props.label}
        hover={hover}
        setHover={setHover}
      >
        {layers.map(({ s, d }) => (
          <path key={s.name} d={d} fill={s.color} fillOpacity={0.6} stroke="none" />
        ))}
      </Frame>
    </div>
  );
}

/** One horizontal bar split by state, for a queue's depth. */
export function SplitBar(props: {
  parts: { name: string; value: number; color: string }[];
  scale: number;
}) {
  const total = props.parts.reduce((a, p) => a + p.value, 0);
  return (
    <div className="splitbar" title={props.parts.map((p) => `${p.name}: ${p.value}`).join(', ')}>
      {props.parts.map((p) =>
        p.value > 0 ? (
          <div
            key={p.name}
            style={{ width: `${(p.value / Math.max(props.scale, 1)) * 100}%`, background: p.color }}
          />
        ) : null,
      )}
      {total === 0 ? <span className="muted small">empty</span> : null}
    </div>
  );
}

export const STATE_COLORS: Record<string, string> = {
  pending: '#a78bfa',
  blocked: '#c4b5fd',
  ready: '#60a5fa',
  assigned: '#38bdf8',
  running: '#2563eb',
  paused: '#f59e0b',
  succeeded: '#16a34a',
  failed: '#dc2626',
  cancelled: '#6b7280',
  skipped: '#9ca3af',
};

/** The colour key of SplitBars. */
export function StateLegend(props: { states: readonly string[] }) {
  return (
    <div className="legend" data-testid="state-legend">
      {props.states.map((s) => (
        <span className="legend-item" key={s}>
          <i style={{ background: STATE_COLORS[s] }} />
          {s}
        </span>
      ))}
    </div>
  );
}
