// PHP code that grows a long-lived container (static property, static local,
// global) on every call with nothing that bounds it. Under a long-running
// runtime (webman, Swoole, RoadRunner, Octane) one worker serves many requests,
// so such a container grows until the worker is restarted.
import { phpAstOf, spanOf, type PhpNode } from '../php/parse';
import { accessOf, buildFileModel, nameOf, sourceOf, type Container, type ContainerAccess, type FunctionScope, type OwnedNode, type PhpFileModel } from '../php/scopes';
import { keyVerdict, type KeyVerdict } from '../php/keys';
import type { Fix, RawFinding, RelatedInfo, Rule, RuleContext } from '../types';

/** The bound the quick fix proposes. */
export const SUGGESTED_MAX_ENTRIES = 1000;

type GrowthKind = 'append' | 'keyed' | 'string' | 'push' | 'merge' | 'union' | 'spread';

interface Growth {
  access: ContainerAccess;
  kind: GrowthKind;
  /** The expression reported (the write's target). */
  target: PhpNode;
  /** The assignment / call doing the write. */
  write: PhpNode;
  at: OwnedNode;
  key?: Extract<KeyVerdict, { bounded: false }>;
  /** For push/merge: the function name. */
  fn?: string;
}

function isResetValue(v: PhpNode | null | undefined): boolean {
  if (!v) return false;
  if (v.kind === 'array') return (v.items ?? []).length === 0;
  if (v.kind === 'string') return v.value === '';
  if (v.kind === 'nullkeyword') return true;
  return false;
}

function callName(node: PhpNode | null | undefined): string | undefined {
  if (!node || node.kind !== 'call' || node.what?.kind !== 'name') return undefined;
  const n = nameOf(node.what) ?? '';
  return n.slice(n.lastIndexOf('\\') + 1).toLowerCase();
}

function sameContainer(a: ContainerAccess | null, c: Container): boolean {
  return !!a && a.container.key === c.key;
}

/** Does an array expression added to C bring keys that are new on every call? */
function addsUnboundedKeys(expr: PhpNode | null | undefined, mode: 'merge' | 'union', c: Container, scope: FunctionScope, model: PhpFileModel, at: OwnedNode, text: string): boolean {
  if (!expr) return false;
  if (expr.kind !== 'array') return !isResetValue(expr) && expr.kind !== 'number';
  for (const it of expr.items ?? []) {
    if (!it) continue;
    const entry = it.kind === 'entry' ? it : { kind: 'entry', key: null, value: it, unpack: false };
    if (entry.unpack) {
      if (sameContainer(accessOf(entry.value, scope, model), c)) continue;
      return true;
    }
    if (!entry.key) {
      if (mode === 'merge') return true; // renumbered and appended
      continue; // union: positions 0..n, present after the first call
    }
    if (!keyVerdict(entry.key, at, { scope, text }).bounded) return true;
  }
  return false;
}

/** Every growing write in one scope, in source order. */
function growthsIn(scope: FunctionScope, model: PhpFileModel, text: string): Growth[] {
  const out: Growth[] = [];
  const keyCtx = { scope, text };
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind === 'assign' && n.left) {
      const acc = accessOf(n.left, scope, model);
      if (!acc) continue;
      const c = acc.container;
      if (acc.keys.length > 0) {
        if (acc.keys.some((k) => k === false)) {
          out.push({ access: acc, kind: 'append', target: n.left, write: n, at: o });
          continue;
        }
        let worst: Extract<KeyVerdict, { bounded: false }> | undefined;
        for (const k of acc.keys) {
          const v = keyVerdict(k as PhpNode, o, keyCtx);
          if (!v.bounded && (!worst || v.rank > worst.rank)) worst = v;
        }
        if (worst) out.push({ access: acc, kind: 'keyed', target: n.left, write: n, at: o, key: worst });
        else if (n.operator === '.=') out.push({ access: acc, kind: 'string', target: n.left, write: n, at: o });
        continue;
      }
      // The container itself.
      if (n.operator === '.=') {
        out.push({ access: acc, kind: 'string', target: n.left, write: n, at: o });
      } else if (n.operator === '+=') {
        const r = n.right;
        if (r?.kind === 'array' ? addsUnboundedKeys(r, 'union', c, scope, model, o, text) : c.isArray && r && r.kind !== 'number') {
          out.push({ access: acc, kind: 'union', target: n.left, write: n, at: o });
        }
      } else if (n.operator === '=') {
        const r = n.right;
        const fn = callName(r);
        if (fn === 'array_merge' || fn === 'array_merge_recursive') {
          const args: PhpNode[] = r.arguments ?? [];
          const selfIdx = args.findIndex((a) => sameContainer(accessOf(a, scope, model), c));
          if (selfIdx >= 0 && args.some((a, i) => i !== selfIdx && addsUnboundedKeys(a, 'merge', c, scope, model, o, text))) {
            out.push({ access: acc, kind: 'merge', target: n.left, write: n, at: o, fn });
          }
        } else if (r?.kind === 'array' && (r.items ?? []).some((it: PhpNode) => it?.kind === 'entry' && it.unpack && sameContainer(accessOf(it.value, scope, model), c))) {
          if (addsUnboundedKeys(r, 'merge', c, scope, model, o, text)) out.push({ access: acc, kind: 'spread', target: n.left, write: n, at: o });
        } else if (r?.kind === 'bin' && r.type === '.') {
          let leftmost: PhpNode = r;
          while (leftmost?.kind === 'bin' && leftmost.type === '.') leftmost = leftmost.left;
          if (sameContainer(accessOf(leftmost, scope, model), c)) out.push({ access: acc, kind: 'string', target: n.left, write: n, at: o });
        }
      }
    } else if ((n.kind === 'post' || n.kind === 'pre') && n.what?.kind === 'offsetlookup') {
      const acc = accessOf(n.what, scope, model);
      if (!acc || acc.keys.length === 0) continue;
      let worst: Extract<KeyVerdict, { bounded: false }> | undefined;
      for (const k of acc.keys) {
        if (k === false) continue;
        const v = keyVerdict(k, o, keyCtx);
        if (!v.bounded && (!worst || v.rank > worst.rank)) worst = v;
      }
      if (worst) out.push({ access: acc, kind: 'keyed', target: n.what, write: n, at: o, key: worst });
    } else if (n.kind === 'call') {
      const fn = callName(n);
      if (fn !== 'array_push' && fn !== 'array_unshift') continue;
      const first = (n.arguments ?? [])[0];
      const acc = accessOf(first, scope, model);
      if (acc && (n.arguments ?? []).length > 1) out.push({ access: acc, kind: 'push', target: first, write: n, at: o, fn });
    }
  }
  return out;
}

const EVICT_CALLS = new Set(['array_shift', 'array_pop', 'array_splice']);
const COUNT_CALLS = new Set(['count', 'sizeof']);

function mentionsCountOf(test: PhpNode | null | undefined, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  let found = false;
  const visit = (n: PhpNode) => {
    if (found) return;
    const fn = callName(n);
    if (fn && COUNT_CALLS.has(fn) && sameContainer(accessOf((n.arguments ?? [])[0], scope, model), c)) {
      found = true;
      return;
    }
    for (const k of Object.keys(n)) {
      if (k === 'loc') continue;
      const v = n[k];
      if (Array.isArray(v)) v.forEach((x) => x && typeof x === 'object' && typeof x.kind === 'string' && visit(x));
      else if (v && typeof v === 'object' && typeof v.kind === 'string') visit(v);
    }
  };
  if (test) visit(test);
  return found;
}

function isJump(n: PhpNode | null | undefined): boolean {
  if (!n) return false;
  if (['return', 'throw', 'continue', 'break', 'exit'].includes(n.kind)) return true;
  if (n.kind === 'expressionstatement') return isJump(n.expression);
  if (n.kind === 'block') return (n.children ?? []).some(isJump);
  return false;
}

function isWhole(n: PhpNode | null | undefined, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  const a = accessOf(n, scope, model);
  return !!a && a.container.key === c.key && a.keys.length === 0;
}

function isEmptyValue(n: PhpNode | null | undefined): boolean {
  return !!n && (isResetValue(n) || (n.kind === 'boolean' && n.value === false) || (n.kind === 'number' && Number(n.value) === 0));
}

/**
 * Containers that `test` being true shows still empty/unset (`!C`, `C === null`,
 * `empty(C)`, `!isset(C)`, `is_null(C)`, …): the guard of a lazy initialisation.
 */
function emptyChecked(test: PhpNode | null | undefined, scope: FunctionScope, model: PhpFileModel): Container[] {
  if (!test) return [];
  const whole = (n: PhpNode | null | undefined): Container[] => {
    const a = accessOf(n, scope, model);
    return a && a.keys.length === 0 ? [a.container] : [];
  };
  switch (test.kind) {
    case 'unary':
      if (test.type !== '!') return [];
      if (test.what?.kind === 'isset') return (test.what.variables ?? []).flatMap((v: PhpNode) => whole(v));
      return whole(test.what);
    case 'empty':
      return whole(test.expression);
    case 'call':
      return callName(test) === 'is_null' ? whole((test.arguments ?? [])[0]) : [];
    case 'bin':
      if (test.type === '===' || test.type === '==') {
        if (isEmptyValue(test.right)) return whole(test.left);
        if (isEmptyValue(test.left)) return whole(test.right);
        return [];
      }
      if (test.type === '&&' || test.type === 'and') return [...emptyChecked(test.left, scope, model), ...emptyChecked(test.right, scope, model)];
      if (test.type === '||' || test.type === 'or') {
        const r = emptyChecked(test.right, scope, model).map((c) => c.key);
        return emptyChecked(test.left, scope, model).filter((c) => r.includes(c.key));
      }
      return [];
    default:
      return [];
  }
}

function writesTo(body: PhpNode, key: string, scope: FunctionScope, model: PhpFileModel): boolean {
  if (!body.loc) return false;
  const { start, end } = { start: body.loc.start.offset, end: body.loc.end.offset };
  return scope.owned.some(
    (o) =>
      o.node.kind === 'assign' &&
      !!o.node.loc &&
      o.node.loc.start.offset >= start &&
      o.node.loc.end.offset <= end &&
      accessOf(o.node.left, scope, model)?.container.key === key,
  );
}

/**
 * Is `at` inside the then-branch of an `if` that runs only while C (or a
 * sibling container the branch fills, such as a `$booted` flag) is empty?
 */
function underEmptyGuard(at: OwnedNode, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  const chain = [...at.parents, at.node];
  for (let i = 0; i < chain.length - 1; i++) {
    const p = chain[i];
    const branch = p.kind === 'if' ? p.body : p.kind === 'retif' ? p.trueExpr : undefined;
    if (!branch || chain[i + 1] !== branch) continue;
    for (const e of emptyChecked(p.test, scope, model)) {
      if (e.key === c.key || writesTo(branch, e.key, scope, model)) return true;
    }
  }
  return false;
}

function mentions(n: PhpNode | null | undefined, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  if (!n || typeof n !== 'object') return false;
  if (accessOf(n, scope, model)?.container.key === c.key) return true;
  for (const k of Object.keys(n)) {
    if (k === 'loc') continue;
    const v = n[k];
    for (const x of Array.isArray(v) ? v : [v]) if (x && typeof x === 'object' && typeof x.kind === 'string' && mentions(x, c, scope, model)) return true;
  }
  return false;
}

/** Is an operation at `o` an eviction/reset of container c? */
function evicts(o: OwnedNode, c: Container, scope: FunctionScope, model: PhpFileModel): boolean {
  const n = o.node;
  const fn = callName(n);
  if (fn && EVICT_CALLS.has(fn)) return sameContainer(accessOf((n.arguments ?? [])[0], scope, model), c);
  if (n.kind === 'unset') {
    return (n.variables ?? []).some((v: PhpNode) => {
      const a = accessOf(v, scope, model);
      return !!a && a.container.key === c.key && a.keys.length > 0;
    });
  }
  if (n.kind === 'assign' && n.operator === '=') {
    if (!isWhole(n.left, c, scope, model)) return false;
    const rf = callName(n.right);
    if (rf === 'array_slice' || rf === 'array_splice') return true;
    // A reset (`C = []`) or a rebuild from scratch (`C = f()`, not mentioning C) on
    // every call bounds C to what one call adds; a lazy init (`if (!C) C = []`) does not.
    if (mentions(n.right, c, scope, model)) return false;
    return !underEmptyGuard(o, c, scope, model);
  }
  return false;
}

/** Does this scope bound c: an eviction, or a count(C) guard with an exit/eviction, or a guard around the write? */
function scopeBounds(g: Growth, scope: FunctionScope, model: PhpFileModel): boolean {
  const c = g.access.container;
  for (const o of scope.owned) {
    if (evicts(o, c, scope, model)) return true;
    const n = o.node;
    if ((n.kind === 'if' || n.kind === 'while') && mentionsCountOf(n.test, c, scope, model)) {
      if (isJump(n.body)) return true;
    }
  }
  // The write itself sits under `if (count(C) < N)` (or a ternary / loop on it).
  for (const p of g.at.parents) {
    if ((p.kind === 'if' || p.kind === 'retif' || p.kind === 'while') && mentionsCountOf(p.test, c, scope, model)) return true;
  }
  // …or under `if (!C) { … }`: it runs once, while C is still empty (lazy initialisation).
  return underEmptyGuard(g.at, c, scope, model);
}

/** Containers reset (to [], '' or null) in some function of the file other than a constructor. */
function resetKeys(model: PhpFileModel): Set<string> {
  const keys = new Set<string>();
  for (const scope of model.scopes) {
    if (scope.isConstructor) continue;
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || n.operator !== '=' || !isResetValue(n.right)) continue;
      const a = accessOf(n.left, scope, model);
      if (!a || a.keys.length > 0 || a.container.kind === 'static-local') continue;
      if (underEmptyGuard(o, a.container, scope, model)) continue; // lazy init, not a reset
      keys.add(a.container.key);
    }
  }
  return keys;
}

// ---------------------------------------------------------------------------
// Reporting

const LIFETIME: Record<Container['kind'], string> = {
  'static-property': 'is a static property: it lives as long as the worker process',
  'static-local': 'is a static variable: it keeps its value across calls for as long as the worker process lives',
  global: 'is a global variable: it lives as long as the worker process',
};

function growthPhrase(g: Growth): string {
  const nested = g.access.keys.length > 1 ? ' (in a nested array)' : '';
  switch (g.kind) {
    case 'append':
      return `this write appends an entry${nested} on every call without a bound`;
    case 'keyed':
      return `this write adds an entry${nested} for every new key, and the key set looks unbounded (${g.key!.reason})`;
    case 'string':
      return 'this write appends to the string on every call without a bound';
    case 'push':
      return `${g.fn}() adds an entry on every call without a bound`;
    case 'merge':
      return `${g.fn}() appends the new entries on every call without a bound`;
    case 'union':
      return '`+=` adds the right-hand side\'s new keys on every call without a bound';
    case 'spread':
      return 'this write rebuilds the array with the old entries plus new ones on every call, without a bound';
  }
}

function kindLabel(c: Container): string {
  return c.kind === 'static-property' ? 'static property' : c.kind === 'static-local' ? 'static variable' : 'global variable';
}

function hoverOf(g: Growth, scope: FunctionScope, profile: RuleContext['profile'], containerText: string): string {
  const c = g.access.container;
  const lines = [
    `**Long-lived container:** \`${c.display}\` — a ${kindLabel(c)}${c.kind === 'static-local' ? ` of \`${scope.displayName}\`` : ''}. It is allocated once per worker process and survives from one request to the next.`,
    '',
    `**Growth:** in \`${scope.displayName}\`, ${growthPhrase(g)}.`,
    '',
    `**What would bound it:** fixed keys (literals, class constants, enum cases, or a key checked with \`in_array($k, [...])\`/\`switch\`/\`match\`); a size check with eviction in the same function, e.g. \`if (count(${containerText}) > ${SUGGESTED_MAX_ENTRIES}) { array_shift(${containerText}); }\`; or a reset (\`${containerText} = [];\`) in a method the runtime calls between requests (reset/terminate hooks, Symfony \`ResetInterface::reset()\`).`,
    '',
    profile === 'long-running'
      ? '**Profile: long-running** (webman, Swoole, RoadRunner, Octane): one worker serves many requests, so the container grows until the worker is restarted.'
      : '**Profile: fpm**: every request starts with fresh statics and globals, so this grows only within one request (this rule is off by default under fpm).',
  ];
  return lines.join('\n');
}

function messageOf(g: Growth): string {
  const c = g.access.container;
  return `\`${c.display}\` ${LIFETIME[c.kind]}, and ${growthPhrase(g)}. Under a long-running runtime (webman, Swoole, RoadRunner, Octane) it grows until the worker is restarted.`;
}

/** The statement list a node sits in directly, if it is an expression statement there. */
function statementOf(g: Growth): PhpNode | undefined {
  const parents = g.at.parents;
  const stmt = parents[parents.length - 1];
  const list = parents[parents.length - 2];
  if (stmt?.kind !== 'expressionstatement' || stmt.expression !== g.write) return undefined;
  if (!list || !['block', 'program', 'namespace'].includes(list.kind)) return undefined;
  return stmt;
}

function boundFix(g: Growth, ctx: RuleContext, containerText: string): Fix | undefined {
  const c = g.access.container;
  if (c.kind !== 'static-property' || !c.isArray) return undefined;
  if (g.kind !== 'append' && g.kind !== 'keyed') return undefined;
  if (g.access.keys.length !== 1 || g.write.kind !== 'assign' || (g.write.operator !== '=' && g.write.operator !== '??=')) return undefined;
  const stmt = statementOf(g);
  const span = stmt && spanOf(stmt);
  if (!span) return undefined;
  const text = ctx.doc.text;
  // php-parser's statement end includes the `;`.
  let at = span.end;
  if (text[at - 1] !== ';') return undefined;
  const endPos = ctx.lines.positionAt(at);
  const rest = ctx.lines.lineText(endPos.line).slice(endPos.character);
  if (/^\s*((\/\/|#(?!\[)).*)?$/.test(rest)) at = ctx.lines.offsetAt({ line: endPos.line, character: endPos.character + rest.length });
  const indent = ctx.lines.indentOf(ctx.lines.positionAt(span.start).line);
  const check = `if (count(${containerText}) > ${SUGGESTED_MAX_ENTRIES}) { array_shift(${containerText}); }`;
  return {
    title: `Bound the cache: keep the last ${SUGGESTED_MAX_ENTRIES} entries`,
    isPreferred: true,
    edits: [{ range: ctx.lines.range(at, at), newText: `${ctx.lines.eol}${indent}${check}` }],
  };
}

function relatedOf(c: Container, ctx: RuleContext): RelatedInfo[] {
  if (!c.decl) return [];
  const s = spanOf(c.decl);
  if (!s) return [];
  const what = c.kind === 'static-property' ? 'declared here (static: one copy per process)' : c.kind === 'static-local' ? 'declared static here' : 'declared global here';
  return [{ range: ctx.lines.range(s.start, s.end), message: `\`${c.display}\` ${what}` }];
}

const rule: Rule = {
  meta: {
    id: 'php-unbounded-static-growth',
    title: 'Static, static local or global array grows on every call',
    description:
      'A static property, a static local variable or a global that a function or method grows on every call (`$a[] = …`, a key that never repeats such as time() or request input, `.=`, array_push, array_merge) with no size check, eviction or reset. Under a long-running runtime (webman, Swoole, RoadRunner, Octane) such a container lives as long as the worker process, so it grows until the worker is restarted. Under php-fpm every request starts clean, so the rule is off there by default.',
    languages: ['php'],
    defaultSeverity: { fpm: 'off', 'long-running': 'warning' },
    category: 'php-code',
  },
  check(ctx) {
    const ast = phpAstOf(ctx);
    if (!ast.program) return [];
    let model: PhpFileModel;
    try {
      model = ctx.shared('php.model', () => buildFileModel(ast.program!));
    } catch {
      return [];
    }
    const text = ctx.doc.text;
    const resets = resetKeys(model);
    const findings: RawFinding[] = [];
    for (const scope of model.scopes) {
      let growths: Growth[];
      try {
        growths = growthsIn(scope, model, text);
      } catch {
        continue; // a tree shape we did not expect (broken code): report nothing here
      }
      const done = new Set<string>();
      for (const g of growths) {
        const c = g.access.container;
        if (done.has(c.key)) continue;
        if (resets.has(c.key) || scopeBounds(g, scope, model)) {
          done.add(c.key);
          continue;
        }
        done.add(c.key);
        const span = spanOf(g.target);
        if (!span) continue;
        const containerText = sourceOf(text, g.access.containerNode);
        const fix = boundFix(g, ctx, containerText);
        findings.push({
          message: messageOf(g),
          range: ctx.lines.range(span.start, span.end),
          hover: hoverOf(g, scope, ctx.profile, containerText),
          related: relatedOf(c, ctx),
          fixes: fix ? [fix] : undefined,
        });
      }
    }
    return findings;
  },
};
export default rule;
