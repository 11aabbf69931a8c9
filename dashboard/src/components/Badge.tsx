import type { ComponentChildren } from 'preact';
import type { Trace } from '../types';
import { Icon } from './Icon';
import './Badge.css';

type Tone = 'run' | 'openai' | 'deploy' | 'undeploy' | 'mcp' | 'other' | 'error' | 'stream' | 'new' | 'running' | 'warning' | 'neutral';

type Props = { tone: Tone; children: ComponentChildren; title?: string; testId?: string };

export function Badge({ tone, children, title, testId }: Props) {
  return (
    <span class={`badge badge--${tone}`} title={title} data-testid={testId}>
      {children}
    </span>
  );
}

/** The kind badge, or a "failed" badge in its place for errors. */
export function KindBadge({ trace }: { trace: Trace }) {
  if (trace.status === 'error') {
    return (
      <Badge tone="error" testId="failed-badge" title={trace.error ? `${trace.error.type}: ${trace.error.message}` : 'Failed'}>
        <Icon name="alert" size={10} />
        failed
      </Badge>
    );
  }
  return (
    <Badge tone={trace.kind} testId="kind-badge">
      {trace.kind === 'other' ? 'trace' : trace.kind}
    </Badge>
  );
}
