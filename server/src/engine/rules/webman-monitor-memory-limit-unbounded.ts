import * as path from 'path';
import { cliSetting } from '../config/effective';
import { keyDocMarkdown, webmanKeyDoc } from '../config/keys';
import { appendItemEdit, item, literal } from '../config/phpConfig';
import type { RawFinding, Rule } from '../types';
import { webmanMonitor } from '../config/webman';

/** The monitor's memory check has a limit: options.memory_limit, else php.ini's memory_limit (not -1). */
const rule: Rule = {
  meta: {
    id: 'webman-monitor-memory-limit-unbounded',
    title: "webman's monitor has no memory limit to check (memory_limit = -1)",
    description:
      "webman's monitor restarts a worker above 80 % of php.ini's memory_limit, or above its own options.memory_limit. With memory_limit = -1 in the workspace's php.ini (the CLI one: webman runs under php-cli) and no options.memory_limit, the monitor skips the memory check altogether: the monitor looks on, the leak grows.",
    languages: ['php'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    const w = webmanMonitor(ctx);
    if (!w?.monitor || !ctx.workspace) return [];
    const opts = w.options?.value.kind === 'array' ? w.options.value : undefined;
    if (opts) {
      const en = item(opts, 'enable_memory_monitor');
      if (en && literal(en.value) === false) return []; // webman-memory-monitor-off reports it
      const own = item(opts, 'memory_limit');
      if (own && literal(own.value) !== -1 && literal(own.value) !== '-1') return [];
    }
    const s = cliSetting(ctx.workspace, 'memory_limit');
    if (!s || !/^\s*-1\s*$/.test(s.value)) return [];
    const edit = opts ? appendItemEdit(ctx.doc.text, opts, "'memory_limit' => '256M'", ctx.lines.eol) : undefined;
    const at = (w.options?.keyNode ?? w.monitor.keyNode ?? w.monitor.entry).loc!;
    const finding: RawFinding = {
      message: `memory_limit = -1 in ${path.basename(path.dirname(s.file))}/${path.basename(s.file)} and no 'memory_limit' in the monitor's options: webman's monitor skips its memory check, so a leaking worker is never restarted. Set a memory_limit in php.ini or 'memory_limit' => '256M' in the monitor's options.`,
      range: ctx.lines.range(at.start.offset, at.end.offset),
      hover: keyDocMarkdown(webmanKeyDoc('memory_limit', 'process')!),
      related: [{ path: s.file, range: { start: { line: s.entry.line, character: 0 }, end: { line: s.entry.line, character: s.entry.lineEnd - s.entry.lineStart } }, message: `memory_limit = ${s.value}` }],
      fixes: edit ? [{ title: "Add 'memory_limit' => '256M' to the monitor's options", isPreferred: true, edits: [{ range: ctx.lines.range(edit.at, edit.at), newText: edit.text }] }] : [],
    };
    return [finding];
  },
};
export default rule;
