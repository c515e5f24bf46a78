import type { RawFinding, Rule, RuleContext } from '../types';

/** Octane's own default for --max-requests (octane:start, octane:swoole, octane:roadrunner, octane:frankenphp). */
export const OCTANE_DEFAULT_MAX_REQUESTS = 500;

export interface OctaneCommand {
  /** Offset of `octane:start` (or octane:swoole …). */
  start: number;
  end: number;
  /** The --max-requests value and its offsets, when given. */
  maxRequests?: { value: string; start: number; end: number };
}

/** Whether an offset is on a comment line of the document's language. */
function inComment(text: string, offset: number, language: string): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, offset).trimStart();
  if (language === 'json') return false;
  return line.startsWith('#') || (language !== 'dockerfile' && line.startsWith(';'));
}

/**
 * The `php artisan octane:start …` commands of a supervisor program, a systemd
 * unit, a Dockerfile (shell and exec form, `\` continuations) or composer.json
 * scripts. Each runs to the end of its logical line (JSON: its string).
 */
export function octaneCommands(text: string, language: string): OctaneCommand[] {
  const out: OctaneCommand[] = [];
  const re = /\boctane:(start|swoole|roadrunner|frankenphp)\b/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (inComment(text, m.index, language)) continue;
    // The command's extent.
    let end = m.index + m[0].length;
    if (language === 'json') {
      while (end < text.length && !(text[end] === '"' && text[end - 1] !== '\\') && text[end] !== '\n') end++;
    } else {
      for (;;) {
        while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
        const line = text.slice(text.lastIndexOf('\n', end - 1) + 1, end);
        if (/\\\s*$/.test(line) && end < text.length) {
          end += text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1;
          continue;
        }
        break;
      }
    }
    const cmd: OctaneCommand = { start: m.index, end };
    const args = text.slice(m.index, end);
    // --max-requests=N, --max-requests N, exec form "--max-requests", "N" or "--max-requests=N".
    const a = /--max-requests(?:=|\s+|"\s*,\s*")["']?(\$\{?\w+\}?|\d+)/.exec(args);
    if (a) {
      const valueStart = m.index + a.index + a[0].length - a[1].length;
      cmd.maxRequests = { value: a[1], start: valueStart, end: valueStart + a[1].length };
    }
    out.push(cmd);
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'octane-max-requests-disabled',
    title: 'Laravel Octane started with --max-requests=0: workers are never recycled',
    description:
      "Octane recycles each worker after --max-requests requests (500 when the option is left out). --max-requests=0 turns that off: every request of a worker runs in the same PHP process, so a leak in the application or an extension grows the worker until it is killed. Found in supervisor programs, systemd units, Dockerfiles and composer.json scripts.",
    languages: ['supervisor', 'systemd', 'dockerfile', 'json'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx: RuleContext) {
    const findings: RawFinding[] = [];
    for (const c of octaneCommands(ctx.doc.text, ctx.doc.language)) {
      if (!c.maxRequests || !/^0+$/.test(c.maxRequests.value)) continue;
      findings.push({
        message: `--max-requests=0: Octane never recycles its workers, so a leak grows each worker until it is killed. Leave the option out (Octane's default is ${OCTANE_DEFAULT_MAX_REQUESTS}) or set a bound.`,
        range: ctx.lines.range(c.maxRequests.start, c.maxRequests.end),
        hover: [
          '**`--max-requests`** (Laravel Octane: octane:start; default `500`)',
          '',
          '**Bounds:** How many requests a worker handles before Octane replaces it (Swoole: max_request; RoadRunner: http.pool.max_jobs; FrankenPHP: the worker loop count). Caps any per-request leak.',
          '',
          '**Does not bound:** Memory within one request. 0 means never recycle.',
        ].join('\n'),
        fixes: [
          {
            title: `Set --max-requests to ${OCTANE_DEFAULT_MAX_REQUESTS}`,
            isPreferred: true,
            edits: [{ range: ctx.lines.range(c.maxRequests.start, c.maxRequests.end), newText: String(OCTANE_DEFAULT_MAX_REQUESTS) }],
          },
        ],
      });
    }
    return findings;
  },
};
export default rule;
