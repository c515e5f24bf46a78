// The webview with the chart of memory per request: hand-drawn SVG (server/src/runtime/chart.ts),
// no script, no remote content; CSP default-src 'none'.
import * as vscode from 'vscode';
import { chartSvg, type ChartData } from '../../../server/src/runtime/chart';
import { formatBytes } from '../../../server/src/runtime/stats';

let panel: vscode.WebviewPanel | undefined;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function chartHtml(webview: vscode.Webview, d: ChartData): string {
  const rows = d.series
    .map((s) => `<li>${esc(s.label)}: <b>${esc(s.verdict)}</b>, ${esc(formatBytes(s.fit.slope))} per ${d.xLabel === 'requests' ? 'request' : 'call'} (least squares after the warm-up)</li>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource}; style-src ${webview.cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Memory per request</title>
</head>
<body>
<h2>${esc(d.verdict.toUpperCase())}: ${esc(d.title)}</h2>
<p>${esc(d.reason)}</p>
<ul>${rows}</ul>
${chartSvg(d)}
<p>Shaded: warm-up (${d.warmup} ${esc(d.xLabel)}, excluded). Dashed line: least-squares fit.${d.recycledAt.length ? ' Dotted verticals: a php-fpm worker was recycled.' : ''}</p>
</body>
</html>`;
}

export function showChart(d: ChartData): vscode.WebviewPanel {
  if (!panel) {
    panel = vscode.window.createWebviewPanel('phpLeak.memoryChart', 'PHP Leak: Memory per Request', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: false,
      localResourceRoots: [],
    });
    panel.onDidDispose(() => (panel = undefined));
  }
  panel.webview.html = chartHtml(panel.webview, d);
  return panel;
}
