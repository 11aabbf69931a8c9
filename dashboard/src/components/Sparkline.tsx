import { sparklinePoints } from '../lib/stats';
import { formatDuration } from '../lib/format';
import './Sparkline.css';

type Props = { values: readonly number[]; width?: number; height?: number };

export function Sparkline({ values, width = 72, height = 22 }: Props) {
  const geometry = sparklinePoints(values, width, height);
  if (geometry === null) return null;
  const last = values[values.length - 1];
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Duration trend of the last ${values.length} traces, latest ${formatDuration(last)}`}
      data-testid="sparkline"
    >
      <polyline points={geometry.points} fill="none" stroke="var(--sparkline)" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round" />
      <circle cx={geometry.last.x} cy={geometry.last.y} r="2" fill="var(--sparkline)" />
    </svg>
  );
}
