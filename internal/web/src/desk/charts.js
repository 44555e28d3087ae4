// Charts in plain SVG (no library, no CDN), each with a text alternative:
// the SVG is an image with a summary label, and the same numbers are in a
// table for screen readers and for copying.

/** BarChart draws horizontal bars: data is [{label, value, tone}]. */
export function BarChart({ title, data, unit = '', format = (v) => String(v) }) {
  const max = Math.max(1, ...data.map((d) => d.value ?? 0));
  const row = 34;
  const labelW = 190;
  const width = 560;
  const barW = width - labelW - 70;
  const height = data.length * row + 8;
  const summary = `${title}: ${data.map((d) => `${d.label} ${format(d.value)}${unit}`).join(', ')}`;
  return (
    <figure className="desk-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="xMinYMin meet">
        {data.map((d, i) => {
          const w = Math.round(((d.value ?? 0) / max) * barW);
          const y = i * row + 4;
          return (
            <g key={d.label} className={`tone-${d.tone ?? 'primary'}`}>
              <text x={labelW - 8} y={y + row / 2} textAnchor="end" dominantBaseline="middle" className="chart-label">{d.label}</text>
              <rect x={labelW} y={y + 5} width={Math.max(w, 1)} height={row - 12} rx="3" className="chart-bar" />
              <text x={labelW + w + 6} y={y + row / 2} dominantBaseline="middle" className="chart-value">{format(d.value)}{unit}</text>
            </g>
          );
        })}
      </svg>
      <figcaption className="visually-hidden">{summary}</figcaption>
    </figure>
  );
}

/**
 * ColumnChart draws one column per period (data: [{label, value, mark}]):
 * value as the column, mark (optional) as a tick above it, null as a gap.
 */
export function ColumnChart({ title, data, unit = '', markLabel, format = (v) => String(v) }) {
  const values = data.flatMap((d) => [d.value, d.mark]).filter((v) => v !== null && v !== undefined);
  const max = Math.max(1, ...values);
  const width = 560;
  const height = 220;
  const left = 44;
  const bottom = 28;
  const plotH = height - bottom - 12;
  const colW = (width - left) / data.length;
  const y = (v) => 12 + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max];
  const fmt = (v) => (v === null || v === undefined ? 'n.d.' : `${format(v)}${unit}`);
  const summary = `${title}: ${data.map((d) => `${d.label} ${fmt(d.value)}${d.mark !== undefined ? `, ${markLabel} ${fmt(d.mark)}` : ''}`).join('; ')}`;
  return (
    <figure className="desk-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="xMinYMin meet">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={width} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" className="chart-axis">{format(t)}</text>
          </g>
        ))}
        {data.map((d, i) => {
          const x = left + i * colW + colW * 0.18;
          const w = colW * 0.64;
          return (
            <g key={d.label}>
              {d.value !== null && d.value !== undefined && (
                <rect x={x} y={y(d.value)} width={w} height={Math.max(1, 12 + plotH - y(d.value))} rx="2" className="chart-bar tone-primary" />
              )}
              {d.mark !== null && d.mark !== undefined && (
                <line x1={x - 2} x2={x + w + 2} y1={y(d.mark)} y2={y(d.mark)} className="chart-mark" />
              )}
              <text x={x + w / 2} y={height - 10} textAnchor="middle" className="chart-axis">{d.label}</text>
            </g>
          );
        })}
      </svg>
      <figcaption className="visually-hidden">{summary}</figcaption>
    </figure>
  );
}
