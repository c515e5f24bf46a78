// Text and JSON output of `php-leak measure`.
import type { MeasureResult } from './measure';
import { formatBytes } from './stats';

export function formatMeasureText(r: MeasureResult): string {
  const unit = r.mode === 'url' ? 'request' : 'call';
  const lines: string[] = [];
  lines.push(`${r.mode === 'url' ? 'Measured' : 'Ran'} ${r.target}: ${r.count} ${unit}s (${r.warmup} warm-up) in ${(r.durationMs / 1000).toFixed(1)} s`);
  for (const s of r.series) {
    const a = s.analysis;
    const fit = a.fit;
    const ci = Number.isFinite(fit.stderr) ? ` ± ${Math.round(1.96 * fit.stderr)}` : '';
    lines.push(`  ${s.label}`);
    lines.push(`    ${formatBytes(a.first)} -> ${formatBytes(a.last)} after the warm-up (${a.samples} samples)`);
    lines.push(`    slope ${Math.round(fit.slope)}${ci} bytes/${unit} (95%), R² ${fit.r2.toFixed(3)}`);
    lines.push(
      `    peak growth: first part ${Math.round(a.envelopeFirst)} bytes/${unit}, last part ${Math.round(a.envelopeLast)} bytes/${unit}` +
        (a.drops ? `; ${a.drops} drop${a.drops === 1 ? '' : 's'} (collections or recycling)` : ''),
    );
    lines.push(`    ${a.verdict}: ${a.reason}`);
  }
  const recycled = r.workers.filter((w) => w.kind === 'recycled');
  if (recycled.length) {
    lines.push(`  workers recycled: ${recycled.map((w) => `pid ${w.pid} after ${w.at} requests`).join(', ')}`);
    if (r.perWorkerSlope !== undefined) lines.push(`  growth within a worker's life: ${Math.round(r.perWorkerSlope)} bytes/request`);
  }
  if (r.gcRuns !== undefined) lines.push(`  garbage collector runs: ${r.gcRuns}`);
  if (r.stoppedEarly) lines.push(`  stopped early: ${r.stoppedEarly}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  lines.push(`verdict: ${r.verdict} (${r.reason})`);
  return lines.join('\n') + '\n';
}

export function formatMeasureJson(r: MeasureResult, toolVersion: string): string {
  return JSON.stringify({ version: toolVersion, ...r }, null, 2) + '\n';
}
