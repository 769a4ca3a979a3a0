import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartData } from './series.js';

/** Line colours with enough contrast on light and dark backgrounds. */
const PALETTE = ['#3b73d1', '#d1563b', '#2e9e5b', '#b5862a', '#8a4fc9', '#c43f8e', '#2b9fb0', '#7a7a7a'];
const HEIGHT = 200;

export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

function aligned(data: ChartData): uPlot.AlignedData {
  return [data.x, ...data.lines.map((l) => l.values)];
}

/**
 * A line chart drawn by uPlot, with what a screen reader needs around it: a caption, an
 * `aria-label` that states the latest values, and a legend in text with the same values.
 */
/** Whole steps on the y axis of a chart of counts. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000];

export function Chart({ title, data, format, empty, integer = false }: { title: string; data: ChartData; format: (v: number) => string; empty?: string; integer?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const captionId = useId();
  const labels = data.lines.map((l) => l.label).join('\n');

  // A new chart when the set of lines changes; otherwise only its data is replaced (below).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const style = getComputedStyle(el);
    const ink = style.color;
    const grid = style.getPropertyValue('--line').trim() || 'rgba(128,128,128,.25)';
    const u = new uPlot({
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      // From 0, with room above the highest value; a flat zero line still gets a readable axis.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max && max > 0 ? (integer ? Math.max(1, Math.ceil(max * 1.1)) : max * 1.1) : 1] } },
      axes: [
        { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } },
        { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, size: 60, ...(integer ? { incrs: INTEGER_STEPS } : {}), values: (_u, values) => values.map((v) => format(v)) },
      ],
      series: [{}, ...data.lines.map((l, i) => ({ label: l.label, stroke: colorOf(i), width: 2 }))],
    }, aligned(data), el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = undefined;
    };
  }, [labels]);

  useEffect(() => {
    plot.current?.setData(aligned(data));
  }, [data]);

  const latest = data.lines.map((l) => ({ label: l.label, value: [...l.values].reverse().find((v) => v !== null) ?? null }));
  const summary = data.x.length === 0
    ? 'no points yet'
    : latest.length === 0 ? (empty ?? 'nothing in this window') : latest.map((l) => `${l.label} ${l.value === null ? 'none' : format(l.value)}`).join(', ');

  return (
    <figure className="overview-chart" data-points={data.x.length} data-lines={data.lines.length}>
      <figcaption id={captionId}>{title}</figcaption>
      <div ref={box} className="overview-plot" role="img" aria-label={`${title}. Latest: ${summary}`} />
      {latest.length > 0 ? (
        <ul className="overview-legend" aria-label={`${title}, latest values`}>
          {latest.map((l, i) => (
            <li key={l.label}><span className="swatch" style={{ background: colorOf(i) }} aria-hidden="true" />{l.label}: {l.value === null ? 'none' : format(l.value)}</li>
          ))}
        </ul>
      ) : <p className="overview-empty">{data.x.length === 0 ? 'No points yet.' : (empty ?? 'Nothing in this window.')}</p>}
    </figure>
  );
}
