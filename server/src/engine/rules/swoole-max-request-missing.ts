import { keyDocMarkdown, swooleKeyDoc } from '../config/keys';
import { appendItemEdit, swooleServers } from '../config/phpConfig';
import type { PhpNode } from '../php/parse';
import { hyperfServer, maxRequestState } from '../config/swoole';
import type { Fix, RawFinding, Rule, RuleContext } from '../types';

/** The bound the quick fix proposes (Hyperf's skeleton uses 100000; a worker restart boots the framework again). */
export const SUGGESTED_MAX_REQUEST = 10000;

function nodeRange(ctx: RuleContext, n: PhpNode) {
  const loc = n.loc!;
  return ctx.lines.range(loc.start.offset, loc.end.offset);
}

function addFix(ctx: RuleContext, arr: PhpNode): Fix[] {
  const edit = appendItemEdit(ctx.doc.text, arr, `'max_request' => ${SUGGESTED_MAX_REQUEST}`, ctx.lines.eol);
  if (!edit) return [];
  return [{ title: `Add 'max_request' => ${SUGGESTED_MAX_REQUEST}`, isPreferred: true, edits: [{ range: ctx.lines.range(edit.at, edit.at), newText: edit.text }] }];
}

function zeroFix(ctx: RuleContext, value: PhpNode): Fix[] {
  return [{ title: `Set max_request to ${SUGGESTED_MAX_REQUEST}`, isPreferred: true, edits: [{ range: nodeRange(ctx, value), newText: String(SUGGESTED_MAX_REQUEST) }] }];
}

const rule: Rule = {
  meta: {
    id: 'swoole-max-request-missing',
    title: 'Swoole server never recycles its workers (no max_request)',
    description:
      "A Swoole server in process mode (also Hyperf's config/autoload/server.php) without max_request, or with 0, keeps each worker process forever. All requests a worker serves share one PHP request, so a leak in PHP code or in an extension grows the worker until it is killed. max_request makes the manager replace a worker after N requests.",
    languages: ['php'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    const findings: RawFinding[] = [];
    const hover = keyDocMarkdown(swooleKeyDoc('max_request')!);
    const hyperf = hyperfServer(ctx);
    if (hyperf) {
      if (hyperf.base || hyperf.coroutine || !hyperf.settings) return findings;
      const st = maxRequestState(hyperf.settings.arr);
      if (st.state === 'set') return findings;
      findings.push({
        message:
          st.state === 'zero'
            ? `max_request = 0 in Hyperf's server settings: workers are never recycled. A leak grows each worker until it is killed. Set a bound such as ${SUGGESTED_MAX_REQUEST}.`
            : `Hyperf's server 'settings' have no max_request (Swoole's default 0: never recycle). A leak grows each worker until it is killed. Add Constant::OPTION_MAX_REQUEST / 'max_request' (the skeleton sets 100000).`,
        range: st.value ? nodeRange(ctx, st.value) : nodeRange(ctx, hyperf.settings.key),
        hover,
        fixes: st.value ? zeroFix(ctx, st.value) : addFix(ctx, hyperf.settings.arr),
      });
      return findings;
    }
    for (const s of swooleServers(ctx)) {
      if (s.coroutine || s.mode === 'base') continue; // no manager to recycle workers: see swoole-max-request-ineffective
      const states = s.settings.map((arr) => ({ arr, ...maxRequestState(arr) }));
      if (states.some((x) => x.state === 'set')) continue;
      const zero = states.filter((x) => x.state === 'zero').pop();
      if (zero?.value) {
        findings.push({
          message: `max_request = 0: the workers of this ${s.className} are never recycled. A leak grows each worker until it is killed. Set a bound such as ${SUGGESTED_MAX_REQUEST}.`,
          range: nodeRange(ctx, zero.value),
          hover,
          fixes: zeroFix(ctx, zero.value),
        });
        continue;
      }
      if (!s.receiver && !s.settings.length) continue; // `new Server(...)` not kept in a variable: its settings are out of sight
      const last = states[states.length - 1];
      findings.push({
        message: `This ${s.className} never recycles its workers: no max_request in its settings (Swoole's default 0). All requests of a worker share one PHP request, so a leak grows the worker until it is killed. Add 'max_request' => ${SUGGESTED_MAX_REQUEST} to ->set([...]).`,
        range: nodeRange(ctx, s.node),
        hover,
        fixes: last ? addFix(ctx, last.arr) : [],
      });
    }
    return findings;
  },
};
export default rule;
