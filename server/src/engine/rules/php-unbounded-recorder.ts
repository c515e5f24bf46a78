// Objects that record everything passed through them with no limit (Guzzle's
// history middleware, an ArrayCache without a size, Monolog's TestHandler)
// set up outside tests: in a client, cache or logger that lives for the
// worker, they grow with every request.
import { spanWithoutSemicolon } from '../php/parse';
import { phpModelOf } from '../php/model';
import { recorderUses } from '../php/recorders';
import type { RawFinding, Rule, RuleContext } from '../types';

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  ctx.checkBudget();
  const out: RawFinding[] = [];
  for (const u of recorderUses(pm.model)) {
    const s = spanWithoutSemicolon(u.node, ctx.doc.text);
    if (!s) continue;
    out.push({
      message: `\`${u.row.api}\` grows with every request, without a limit. It keeps ${u.row.keeps.split(';')[0]}: in an object that lives for the worker it grows with every request.`,
      range: ctx.lines.range(s.start, s.end),
      hover: [
        `**Unbounded recorder** in \`${u.scope.displayName}\`: \`${u.row.api}\`.`,
        '',
        `**Keeps:** ${u.row.keeps}.`,
        '',
        '**Why it leaks:** clients, caches and loggers are usually made once and reused for every request of a long-running worker; what this keeps is never dropped, so memory grows with the traffic until the worker is recycled.',
        '',
        `**Fix:** ${u.row.fix}`,
      ].join('\n'),
    });
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-unbounded-recorder',
    title: 'Recorder with no limit set up outside tests',
    description:
      'An object that keeps everything passed through it, with no limit, created outside tests: Guzzle\'s `Middleware::history()` (every request and response, in the array it was given), ReactPHP\'s `new ArrayCache()` without a size limit (one entry per distinct key; expired entries go only when read again), Monolog\'s `TestHandler` (every record). Clients, caches and loggers usually live for the whole worker, so under a long-running runtime they grow with every request. Test files (`tests/`, `*Test.php`, `TestCase` subclasses) are not reported. The rows are data (`server/src/engine/php/recorders.ts`).',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
