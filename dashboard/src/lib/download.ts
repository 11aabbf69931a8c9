// "Download JSON" of one trace: a Blob behind a temporary object URL.
import type { Trace } from '../types';

export function traceFileName(trace: Trace): string {
  const name = (trace.entrypoint ?? trace.kind).replace(/[^a-z0-9_.-]+/gi, '_');
  return `trace-${name}-${trace.trace_id}.json`;
}

export function traceJson(trace: Trace): string {
  return `${JSON.stringify(trace, null, 2)}\n`;
}

export function downloadTrace(trace: Trace): void {
  const blob = new Blob([traceJson(trace)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = traceFileName(trace);
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path (insecure origins)
  }
  try {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  } catch {
    return false;
  }
}
