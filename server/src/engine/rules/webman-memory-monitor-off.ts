import { keyDocMarkdown, webmanKeyDoc } from '../config/keys';
import { arrayItems, isWebmanProcessConfig, item, literal, returnedArray, type ArrayItem } from '../config/phpConfig';
import { phpAstOf, type PhpNode } from '../php/parse';
import type { RawFinding, Rule, RuleContext } from '../types';

/** webman's config/process.php: the monitor process entry and its options, when the file is webman's. */
export function webmanMonitor(ctx: RuleContext): { ret: PhpNode; arr: PhpNode; monitor?: ArrayItem; options?: ArrayItem } | undefined {
  if (!isWebmanProcessConfig(ctx.doc.path)) return undefined;
  const r = returnedArray(phpAstOf(ctx).program);
  if (!r) return undefined;
  const processes = arrayItems(r.arr);
  // webman's file: process entries with a 'handler', or the framework named.
  const looksWebman = processes.some((p) => p.value.kind === 'array' && item(p.value, 'handler')) || /webman|workerman/i.test(ctx.doc.text);
  if (!looksWebman) return undefined;
  const isMonitor = (p: ArrayItem) => {
    if (p.value.kind !== 'array') return false;
    const h = item(p.value, 'handler');
    const handlerText = h?.value.loc ? ctx.doc.text.slice(h.value.loc.start.offset, h.value.loc.end.offset) : '';
    return /Monitor\b/.test(handlerText) || (p.key === 'monitor' && !h);
  };
  const monitor = processes.find(isMonitor);
  let options: ArrayItem | undefined;
  if (monitor) {
    const ctor = item(monitor.value, 'constructor');
    options = ctor && ctor.value.kind === 'array' ? item(ctor.value, 'options') : undefined;
  }
  return { ret: r.ret, arr: r.arr, monitor, options };
}

function range(ctx: RuleContext, n: PhpNode) {
  return ctx.lines.range(n.loc!.start.offset, n.loc!.end.offset);
}

const rule: Rule = {
  meta: {
    id: 'webman-memory-monitor-off',
    title: "webman's memory monitor is off: nothing restarts a leaking worker",
    description:
      "webman's monitor process (config/process.php) restarts a worker, safely between requests, when its memory nears memory_limit. It is webman's only recycling bound. A config/process.php without the monitor, or with 'enable_memory_monitor' => false, leaves every worker to grow until the OOM killer stops it.",
    languages: ['php'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    const w = webmanMonitor(ctx);
    if (!w) return [];
    const hover = keyDocMarkdown(webmanKeyDoc('enable_memory_monitor', 'process')!);
    if (!w.monitor) {
      return [
        {
          message: "webman's config/process.php has no monitor process: nothing restarts a worker whose memory grows, so a leak grows each worker until it is killed. Restore the 'monitor' entry (handler process\\Monitor::class) from the webman skeleton.",
          range: ctx.lines.range(w.ret.loc!.start.offset, w.ret.loc!.start.offset + 'return'.length),
          hover,
        },
      ];
    }
    const en = w.options && w.options.value.kind === 'array' ? item(w.options.value, 'enable_memory_monitor') : undefined;
    if (en && literal(en.value) === false) {
      return [
        {
          message: "'enable_memory_monitor' => false: webman's monitor no longer restarts a worker whose memory nears memory_limit, so a leak grows each worker until it is killed.",
          range: range(ctx, en.entry),
          hover,
          fixes: [{ title: "Turn the memory monitor on ('enable_memory_monitor' => true)", isPreferred: true, edits: [{ range: range(ctx, en.value), newText: 'true' }] }],
        },
      ];
    }
    return [];
  },
};
export default rule;

