// An entry added to a long-lived container and released later in the same
// function, but not on every path: an exception thrown in between, or an early
// return / continue / break, skips the release (no `finally`).
import { spanWithoutSemicolon, type PhpNode } from '../php/parse';
import { phpModelOf } from '../php/model';
import { unbalancedPairs, type UnbalancedPair } from '../php/pairs';
import type { RawFinding, Rule, RuleContext } from '../types';

const MAX_SNIPPET = 60;
const short = (s: string): string => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > MAX_SNIPPET ? `${one.slice(0, MAX_SNIPPET - 1)}…` : one;
};

function describeExit(u: UnbalancedPair, text: string, line: (n: PhpNode) => number): string {
  const at = line(u.exit.node);
  if (u.exit.kind === 'throw-call') {
    const sp = spanWithoutSemicolon(u.exit.node, text);
    return `\`${short(sp ? text.slice(sp.start, sp.end) : '')}\` (line ${at}) can throw`;
  }
  if (u.exit.word === 'throw') return `the \`throw\` on line ${at} leaves`;
  return `the \`${u.exit.word}\` on line ${at} leaves`;
}

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  ctx.checkBudget();
  const text = ctx.doc.text;
  const out: RawFinding[] = [];
  const line = (n: PhpNode): number => n.loc?.start.line ?? 0;
  for (const u of unbalancedPairs(pm.model, text)) {
    const s = spanWithoutSemicolon(u.add, text);
    if (!s) continue;
    const rel = spanWithoutSemicolon(u.release, text);
    const ex = spanWithoutSemicolon(u.exit.node, text);
    const exit = describeExit(u, text, line);
    const word = u.exit.kind === 'exit' ? u.exit.word : 'throw';
    const exception = u.exit.kind === 'throw-call' || word === 'throw';
    out.push({
      message: `The entry added to \`${u.display}\` here is released (line ${line(u.release)}) only on the normal path. ${exit[0].toUpperCase()}${exit.slice(1)}${exception ? ' and nothing releases it then (no `finally`)' : ' without releasing it'}, so each such call leaves one entry behind.`,
      range: ctx.lines.range(s.start, s.end),
      // An exception path through an object whose lifetime is only inferred: a hint, not a warning.
      ...(exception && u.candidate && ctx.profile === 'long-running' ? { severity: 'information' as const } : {}),
      related: [
        ...(rel ? [{ range: ctx.lines.range(rel.start, rel.end), message: `released here (${u.releaseLabel}) on the normal path` }] : []),
        ...(ex ? [{ range: ctx.lines.range(ex.start, ex.end), message: exception ? 'an exception here skips the release' : `this ${word} skips the release` }] : []),
      ],
      hover: [
        `**Unbalanced pair** in \`${u.scope.displayName}\`.`,
        '',
        `**Why it leaks:** the entry added to \`${u.display}\` is meant to live only while this call runs — line ${line(u.release)} takes it out again — but ${exit}${exception ? ' past the release' : ''}. ${u.why ? `The container outlives the request: ${u.why}. ` : 'The container outlives the call. '}Under a long-running runtime the worker catches the exception (or the early exit returns normally) and goes on serving, so every failing or short-cut request leaves one more entry.`,
        '',
        exception
          ? '**Fix:** release in a `finally` block: `$this->stack[] = $x; try { … } finally { array_pop($this->stack); }`.'
          : '**Fix:** release before the early exit, or move the release into a `finally` block that covers the exit.',
      ].join('\n'),
    });
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-unbalanced-pair',
    title: 'Entry of a long-lived container released only on the normal path',
    description:
      'A function adds an entry to a container that outlives the request (a static property, a global, a property of a worker-lived service, a static context API such as `Context::set($id, …)`) and takes it out again later in the same function (`array_pop()`, `unset($c[$k])`, `->pop()`, `->detach()`, `Context::release($id)`), but a call that can throw in between — with no `finally` or releasing `catch` — or an early `return` / `continue` / `break` skips the release. The worker survives the exception or the early exit, and the entry stays: one per failing request. Containers whose lifetime is known only from the pair itself (a property of an object the model does not know) are checked for early exits only.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
