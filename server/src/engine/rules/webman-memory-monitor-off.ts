import { keyDocMarkdown, webmanKeyDoc } from '../config/keys';
import { item, literal } from '../config/phpConfig';
import type { PhpNode } from '../php/parse';
import { webmanMonitor } from '../config/webman';
import type { Rule, RuleContext } from '../types';

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
          message: "webman's config/process.php has no monitor process: nothing restarts a growing worker. A leak grows each worker until it is killed. Restore the 'monitor' entry (handler process\\Monitor::class) from the webman skeleton.",
          range: ctx.lines.range(w.ret.loc!.start.offset, w.ret.loc!.start.offset + 'return'.length),
          hover,
        },
      ];
    }
    const en = w.options && w.options.value.kind === 'array' ? item(w.options.value, 'enable_memory_monitor') : undefined;
    if (en && literal(en.value) === false) {
      return [
        {
          message: "'enable_memory_monitor' => false: webman's monitor no longer restarts a worker near memory_limit. A leak grows each worker until it is killed.",
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

