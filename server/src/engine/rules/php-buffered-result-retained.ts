// A buffered MySQL result (mysqli's default, PDO MySQL's default) whose rows
// are kept in a long-lived container: the whole result set stays in the
// worker's memory, and appended ones add up request after request.
import { spanOf, type PhpNode } from '../php/parse';
import { accessOf, nameOf, resolveClassName, shortName, sourceOf, type FunctionScope, type OwnedNode, type PhpFileModel } from '../php/scopes';
import { reachAt } from '../php/index';
import { phpModelOf } from '../php/model';
import type { Fix, RawFinding, Rule, RuleContext } from '../types';

const FETCH_ALL = /^(fetch_all|fetchall|fetchallassociative|fetchallnumeric|fetchallkeyvalue|fetchallassociativeindexed|fetchfirstcolumn)$/;
const FETCH_ROW = /^(fetch_assoc|fetch_row|fetch_array|fetch_object|fetch|fetchobject|fetchassociative|fetchnumeric|fetchone)$/;

interface Query {
  /** The query call. */
  call: PhpNode;
  api: string;
  /** Unbuffered alternative, for the message. */
  hint: string;
  fix?: Fix;
}

function methodOf(n: PhpNode): string | undefined {
  const w = n.kind === 'call' ? n.what : undefined;
  return w && (w.kind === 'propertylookup' || w.kind === 'nullsafepropertylookup') ? (nameOf(w.offset) ?? '').toLowerCase() : undefined;
}

function funcOf(n: PhpNode): string | undefined {
  return n.kind === 'call' && n.what?.kind === 'name' ? shortName(nameOf(n.what) ?? '') : undefined;
}

/** The SQL's text when visible; `LIMIT` in it bounds the result. */
function sqlText(arg: PhpNode | undefined, scope: FunctionScope, text: string): string | undefined {
  if (!arg) return undefined;
  if (arg.kind === 'variable') {
    const def = scope.owned.find((o) => o.node.kind === 'assign' && o.node.operator === '=' && o.node.left?.kind === 'variable' && o.node.left.name === arg.name);
    return def ? sourceOf(text, def.node.right) : undefined;
  }
  return sourceOf(text, arg);
}

/** `MYSQLI_USE_RESULT` (the constant, possibly `\\`-qualified). */
function isUseResult(a: PhpNode | undefined): boolean {
  return a?.kind === 'name' && typeof a.name === 'string' && a.name.replace(/^\\/, '') === 'MYSQLI_USE_RESULT';
}

// ---------------------------------------------------------------------------
// What the AST says about a query's receiver: its API (mysqli or PDO) and
// whether buffering was switched off on it.

type Api = 'mysqli' | 'pdo';

interface ReceiverFacts {
  api?: Api;
  /** `PDO::MYSQL_ATTR_USE_BUFFERED_QUERY => false` in its constructor options, or `->setAttribute(…, false)` on it. */
  unbuffered: boolean;
}

/** A stable key for a query receiver: `$db`, `$this->db`, `self::$db`; undefined for anything else. */
function receiverKey(e: PhpNode | undefined): string | undefined {
  if (!e) return undefined;
  if (e.kind === 'variable' && typeof e.name === 'string') return `$${e.name}`;
  if ((e.kind === 'propertylookup' || e.kind === 'nullsafepropertylookup') && e.what?.kind === 'variable' && e.what.name === 'this' && e.offset?.kind === 'identifier') {
    return `$this->${nameOf(e.offset)}`;
  }
  if (e.kind === 'staticlookup' && (e.what?.kind === 'selfreference' || e.what?.kind === 'staticreference') && e.offset?.kind === 'variable' && typeof e.offset.name === 'string') {
    return `self::$${e.offset.name}`;
  }
  return undefined;
}

/** A class name node resolved to its fq lower-cased name. */
function classOf(n: PhpNode | undefined, model: PhpFileModel): string | undefined {
  return n?.kind === 'name' && typeof n.name === 'string' ? resolveClassName(n.name, model, n.resolution) : undefined;
}

function apiOfClass(fq: string | undefined): Api | undefined {
  return fq === 'mysqli' ? 'mysqli' : fq === 'pdo' || fq === 'pdo\\mysql' ? 'pdo' : undefined;
}

/** `PDO::MYSQL_ATTR_USE_BUFFERED_QUERY` (also `\\PDO::…`, an imported alias) or PHP 8.4's `Pdo\\Mysql::ATTR_USE_BUFFERED_QUERY`. */
function isBufferedAttr(n: PhpNode | undefined, model: PhpFileModel): boolean {
  if (n?.kind !== 'staticlookup' || n.offset?.kind !== 'identifier') return false;
  const cls = classOf(n.what, model);
  const c = nameOf(n.offset);
  return (cls === 'pdo' && c === 'MYSQL_ATTR_USE_BUFFERED_QUERY') || (cls === 'pdo\\mysql' && c === 'ATTR_USE_BUFFERED_QUERY');
}

/** `false` or `0`. */
function isFalse(n: PhpNode | undefined): boolean {
  return (n?.kind === 'boolean' && n.value === false) || (n?.kind === 'number' && Number(n.value) === 0);
}

/** An options array (literal, or a local variable assigned one in `scope`) with the buffered attribute set to false. */
function optionsUnbuffered(n: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel): boolean {
  if (n?.kind === 'variable' && typeof n.name === 'string') {
    return scope.owned.some(
      (o) => o.node.kind === 'assign' && o.node.operator === '=' && o.node.left?.kind === 'variable' && o.node.left.name === n.name && o.node.right?.kind === 'array' && optionsUnbuffered(o.node.right, scope, model),
    );
  }
  return n?.kind === 'array' && (n.items ?? []).some((it: PhpNode) => it?.kind === 'entry' && isBufferedAttr(it.key, model) && isFalse(it.value));
}

/** The declared class type of a parameter, property or promoted parameter node. */
function declaredApi(decl: PhpNode | undefined, model: PhpFileModel): Api | undefined {
  return apiOfClass(classOf(decl?.type, model));
}

/**
 * What the AST shows about a receiver. A local variable: the scope's
 * parameter type and its assignments and setAttribute() calls before the
 * query. A property (`$this->db`, `self::$db`): its declared type and what any
 * method of the class assigns to it or sets on it (order not known).
 */
function receiverFacts(recv: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel, before: number): ReceiverFacts {
  const facts: ReceiverFacts = { unbuffered: false };
  const key = receiverKey(recv);
  if (!key) return facts;
  // `$this->db` / `self::$db`: the property's name and declaration.
  const prop = /^(?:\$this->|self::\$)(.+)$/.exec(key)?.[1];
  const scopes = prop !== undefined ? (scope.cls ? model.scopes.filter((s) => s.cls === scope.cls) : []) : [scope];
  if (prop !== undefined && scope.cls) {
    const decl = key.startsWith('self::') ? scope.cls.staticProps.get(prop) : scope.cls.props.get(prop);
    facts.api = declaredApi(decl, model) ?? apiOfClass(scope.cls.propTypes.get(prop));
  } else if (prop === undefined) {
    const param = (Array.isArray(scope.node.arguments) ? scope.node.arguments : []).find((a: PhpNode) => a?.kind === 'parameter' && `$${nameOf(a.name)}` === key);
    facts.api = declaredApi(param, model);
  }
  for (const s of scopes) {
    for (const o of s.owned) {
      const n = o.node;
      if (prop === undefined && (n.loc?.start.offset ?? Infinity) >= before) continue;
      if (n.kind === 'assign' && n.operator === '=' && receiverKey(n.left) === key) {
        const r = n.right;
        if (r?.kind === 'new') {
          const api = apiOfClass(classOf(r.what, model));
          if (api) facts.api = api;
          if (api === 'pdo' && optionsUnbuffered(r.arguments?.[3], s, model)) facts.unbuffered = true;
        } else if (r?.kind === 'call' && r.what?.kind === 'name' && /^(mysqli_connect|mysqli_init|mysqli_real_connect)$/.test(shortName(nameOf(r.what) ?? ''))) {
          facts.api = 'mysqli';
        } else if (r?.kind === 'call' && r.what?.kind === 'staticlookup' && apiOfClass(classOf(r.what.what, model)) === 'pdo' && (nameOf(r.what.offset) ?? '').toLowerCase() === 'connect') {
          facts.api = 'pdo';
          if (optionsUnbuffered(r.arguments?.[3], s, model)) facts.unbuffered = true;
        }
      } else if (n.kind === 'call' && methodOf(n) === 'setattribute' && receiverKey(n.what.what) === key && isBufferedAttr(n.arguments?.[0], model) && isFalse(n.arguments?.[1])) {
        facts.api = 'pdo';
        facts.unbuffered = true;
      }
    }
  }
  return facts;
}

/**
 * Fallback when the AST says nothing about the receiver's API: its name. Only a
 * name that says mysqli counts: `$db` or `$conn` may be PDO, where
 * MYSQLI_USE_RESULT (1) would silently mean PDO::FETCH_LAZY.
 */
const MYSQLI_NAME = /mysqli/i;

/** Buffered query calls of the scope, by the variable holding their result. */
function queriesIn(scope: FunctionScope, model: PhpFileModel, ctx: RuleContext): Map<string, Query> {
  const text = ctx.doc.text;
  const out = new Map<string, Query>();
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind !== 'assign' || n.operator !== '=' || n.left?.kind !== 'variable' || typeof n.left.name !== 'string') continue;
    const r = n.right;
    if (r?.kind !== 'call') continue;
    const m = methodOf(r);
    const f = funcOf(r);
    const args: PhpNode[] = r.arguments ?? [];
    let q: Query | undefined;
    if ((m === 'query' || m === 'prepare' || m === 'executequery') && args.length >= 1) {
      if (m === 'query' && isUseResult(args[1])) continue;
      const facts = receiverFacts(r.what.what, scope, model, r.loc?.start.offset ?? 0);
      // PDO with buffering off on this connection, or for this statement (`prepare($sql, [PDO::MYSQL_ATTR_USE_BUFFERED_QUERY => false])`).
      if (facts.unbuffered || (m === 'prepare' && optionsUnbuffered(args[1], scope, model))) continue;
      const sql = sqlText(args[0], scope, text);
      if (sql && /\bLIMIT\b/i.test(sql)) continue;
      const recv = sourceOf(text, r.what.what);
      const api = facts.api ?? (MYSQLI_NAME.test(recv) ? 'mysqli' : undefined);
      const mysqli = api === 'mysqli' && m === 'query' && args.length === 1;
      q = {
        call: r,
        api: `${recv}->${nameOf(r.what.offset)}()`,
        hint: mysqli
          ? 'pass `MYSQLI_USE_RESULT` to stream the rows (unbuffered), add a `LIMIT`, and free the result (`$result->free()`)'
          : 'add a `LIMIT`, or stream the rows unbuffered (`PDO::MYSQL_ATTR_USE_BUFFERED_QUERY => false`, or mysqli\'s `MYSQLI_USE_RESULT`), and keep only what you need',
      };
      if (mysqli) {
        const a0 = spanOf(args[0]);
        if (a0) q.fix = { title: 'Stream the rows: pass MYSQLI_USE_RESULT (unbuffered query)', edits: [{ range: ctx.lines.range(a0.end, a0.end), newText: ', MYSQLI_USE_RESULT' }] };
      }
    } else if (f === 'mysqli_query' && args.length >= 2 && !isUseResult(args[2])) {
      const sql = sqlText(args[1], scope, text);
      if (sql && /\bLIMIT\b/i.test(sql)) continue;
      q = { call: r, api: 'mysqli_query()', hint: 'pass `MYSQLI_USE_RESULT` to stream the rows (unbuffered), add a `LIMIT`, and free the result (`mysqli_free_result()`)' };
      const a1 = spanOf(args[1]);
      if (a1) q.fix = { title: 'Stream the rows: pass MYSQLI_USE_RESULT (unbuffered query)', edits: [{ range: ctx.lines.range(a1.end, a1.end), newText: ', MYSQLI_USE_RESULT' }] };
    }
    if (q) out.set(n.left.name, q);
  }
  return out;
}

/** The result variable an expression's rows come from (`$res->fetch_all()`, `$row` of a fetch loop, `$res` itself). */
function resultSource(e: PhpNode | undefined, results: Map<string, Query>, rows: Map<string, string>): string | undefined {
  if (!e) return undefined;
  if (e.kind === 'variable' && typeof e.name === 'string') return results.has(e.name) ? e.name : rows.get(e.name);
  if (e.kind === 'call') {
    const m = methodOf(e);
    const recv = e.what?.what;
    if (m && (FETCH_ALL.test(m) || FETCH_ROW.test(m)) && recv?.kind === 'variable' && results.has(recv.name)) return recv.name;
    const f = funcOf(e);
    if (f && /^mysqli_fetch_(all|assoc|row|array|object)$/.test(f)) {
      const a = e.arguments?.[0];
      if (a?.kind === 'variable' && results.has(a.name)) return a.name;
    }
    if (f === 'array_merge' || f === 'array_values' || f === 'array_column' || f === 'iterator_to_array') {
      for (const a of e.arguments ?? []) {
        const s = resultSource(a, results, rows);
        if (s) return s;
      }
    }
  }
  return undefined;
}

function check(ctx: RuleContext): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  const { model, index } = pm;
  const text = ctx.doc.text;
  const out: RawFinding[] = [];
  for (const scope of model.scopes) {
    ctx.checkBudget();
    const results = queriesIn(scope, model, ctx);
    if (!results.size) continue;
    // Row variables: `while ($row = $res->fetch_assoc())`, `foreach ($stmt as $row)`.
    const rows = new Map<string, string>();
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind === 'assign' && n.left?.kind === 'variable') {
        const src = resultSource(n.right, results, rows);
        if (src) rows.set(n.left.name, src);
      } else if (n.kind === 'foreach' && n.source?.kind === 'variable' && results.has(n.source.name) && n.value?.kind === 'variable') {
        rows.set(n.value.name, n.source.name);
      }
    }
    const reported = new Set<string>();
    for (const o of scope.owned) {
      const n = o.node;
      let target: PhpNode | undefined;
      let value: PhpNode | undefined;
      if (n.kind === 'assign') {
        target = n.left;
        value = n.right;
      } else if (n.kind === 'call' && (funcOf(n) === 'array_push' || funcOf(n) === 'array_unshift')) {
        target = n.arguments?.[0];
        value = n.arguments?.[1];
      }
      if (!target || !value) continue;
      const acc = accessOf(target, scope, model);
      if (!acc) continue;
      const src = resultSource(value, results, rows);
      if (!src || reported.has(src)) continue;
      reported.add(src);
      const q = results.get(src)!;
      const appended = acc.keys.length > 0 || n.kind === 'call' || (n.kind === 'assign' && n.operator !== '=') || funcOf(value) === 'array_merge';
      const span = spanOf(q.call);
      const tspan = spanOf(target);
      if (!span || !tspan) continue;
      const reach = reachAt(index, scope, o as OwnedNode, model);
      const c = acc.container;
      out.push({
        message: `\`${q.api}\` buffers a whole result set (no LIMIT in sight) into the long-lived \`${c.display}\`. Its rows are ${appended ? 'added' : 'kept'} there (line ${ctx.lines.positionAt(tspan.start).line + 1})${appended ? ', request after request' : ' until the next request replaces them'}. To bound it: ${q.hint}.${reach.state === 'unreached' ? ' (Not reached from a request entry point of the workspace.)' : ''}`,
        range: ctx.lines.range(span.start, span.end),
        related: [{ range: ctx.lines.range(tspan.start, tspan.end), message: `the rows are kept in \`${c.display}\` here` }],
        fixes: q.fix ? [q.fix] : undefined,
        severity: ctx.profile === 'long-running' ? (reach.state === 'unreached' ? 'information' : appended && reach.state === 'every' ? 'error' : undefined) : undefined,
        hover: [
          `**Buffered result kept in a long-lived container:** \`${q.api}\` buffers the whole result set (mysqlnd allocates it through PHP's memory manager, so it counts in \`memory_get_usage()\`).`,
          '',
          `**Retention:** the rows go into \`${c.display}\`, which outlives the request${appended ? ' and grows with every call' : ''}.`,
          '',
          `**Bound it:** ${q.hint}. \`mysqlnd.fetch_data_copy=1\` lowers the peak when rows are copied out.`,
        ].join('\n'),
      });
    }
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: 'php-buffered-result-retained',
    title: 'Buffered query result kept in a long-lived container',
    description:
      'A MySQL query run buffered (mysqli `query()` / `mysqli_query()` without `MYSQLI_USE_RESULT`, PDO `query()` / `prepare()` with the MySQL default `MYSQL_ATTR_USE_BUFFERED_QUERY = true`) with no `LIMIT` in sight, whose rows (`fetch_all()`, `fetchAll()`, a fetch loop, or the result object) are stored in a static, global, singleton property or worker-loop variable. Under a long-running runtime the whole result set stays in the worker; appended, it grows with every request.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check,
};
export default rule;
