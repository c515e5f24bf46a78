// The findings of the long-lived container growth check, shared by its two rules:
// php-unbounded-static-growth (growth the code or the entry points back) and the
// off-by-default php-unproven-static-growth (growth nothing ties to requests).
// Messages, hovers, related locations and the quick fixes (bound, reset, local) live here.
import { spanOf, type PhpNode } from './parse';
import { nameOf, sourceOf, type Container, type FunctionScope, type PhpFileModel } from './scopes';
import { candidateGrowths, failedRemovals, fileGrowths, perRequestEvidence, strandedEntries, type FailedRemoval, type Growth, type ScopeGrowth } from './growth';
import { reachAt, type Reach } from './index';
import { phpModelOf, type PhpModel } from './model';
import type { Fix, RawFinding, RelatedInfo, RuleContext, Severity } from '../types';

/** The bound the quick fix proposes. */
export const SUGGESTED_MAX_ENTRIES = 1000;

// ---------------------------------------------------------------------------
// Reporting

const LIFETIME: Record<Container['kind'], string> = {
  'static-property': 'is a static property: it lives as long as the worker process',
  'static-local': 'is a static variable: it keeps its value across calls for as long as the worker process lives',
  global: 'is a global variable: it lives as long as the worker process',
  'instance-property': 'is a property of a long-lived object',
  'loop-variable': 'is a variable of the worker script',
  captured: 'is a variable of the worker script',
};

export function lifetimeOf(c: Container): string {
  return c.why ? `${LIFETIME[c.kind]} (${c.why})` : LIFETIME[c.kind];
}

export function growthPhrase(g: Growth): string {
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

export function kindLabel(c: Container): string {
  switch (c.kind) {
    case 'static-property':
      return 'static property';
    case 'static-local':
      return 'static variable';
    case 'global':
      return 'global variable';
    case 'instance-property':
      return 'property of a long-lived object';
    case 'loop-variable':
      return 'variable kept across the iterations of a worker loop';
    case 'captured':
      return 'variable captured by reference by a request handler';
  }
}

function reachLine(reach: Reach, evidence?: string): string {
  switch (reach.state) {
    case 'every':
      return `**Reached:** on every request handled by the ${reach.label} (through unconditional calls).`;
    case 'some':
      return `**Reached:** from the ${reach.label}, on some requests (a condition, loop or callback on the way).`;
    case 'unreached':
      return '**Reached:** not from any request entry point of the workspace (boot-time or unused code?).';
    default:
      return evidence
        ? `**Reached:** unknown (no request entry point found: controllers, middleware, request handlers, worker loops). **Evidence that it follows the traffic:** ${evidence}.`
        : '**Reached:** unknown (no request entry point found: controllers, middleware, request handlers, worker loops), and nothing in the code shows that it runs per request or that its keys grow with the traffic (boot-time registries and caches keyed by names of the code look the same): reported only by php-unproven-static-growth, off by default.';
  }
}

function hoverOf(g: Growth, scope: FunctionScope, profile: RuleContext['profile'], containerText: string, reach: Reach, evidence?: string): string {
  const c = g.access.container;
  const lines = [
    `**Long-lived container:** \`${c.display}\` — a ${kindLabel(c)}${c.kind === 'static-local' ? ` of \`${scope.displayName}\`` : ''}. ${c.why ? `It is long-lived because it is ${c.why}. ` : ''}It is allocated once per worker process and survives from one request to the next.`,
    '',
    `**Growth:** in \`${scope.displayName}\`, ${growthPhrase(g)}.`,
    '',
    reachLine(reach, evidence),
    '',
    `**What would bound it:** fixed keys (literals, class constants, enum cases, or a key checked with \`in_array($k, [...])\`/\`switch\`/\`match\`); a size check with eviction in the same function, e.g. \`if (count(${containerText}) > ${SUGGESTED_MAX_ENTRIES}) { array_shift(${containerText}); }\`; or a reset (\`${containerText} = [];\`) in a method the runtime calls between requests (reset/terminate hooks, Symfony \`ResetInterface::reset()\`).`,
    '',
    profile === 'long-running'
      ? '**Profile: long-running** (webman, Swoole, RoadRunner, Octane): one worker serves many requests, so the container grows until the worker is restarted.'
      : '**Profile: php-fpm**: every request starts with fresh statics and globals, so this grows only within one request (this rule is off by default under fpm).',
  ];
  return lines.join('\n');
}

/** The message's first sentence: which container grows, and how (the lifetime follows). */
function growthLead(g: Growth): string {
  const nested = g.access.keys.length > 1 ? ' (in a nested array)' : '';
  switch (g.kind) {
    case 'append':
      return `gains an entry${nested} on every call, without a bound`;
    case 'keyed':
      return `gains an entry${nested} for every new key, and the keys look unbounded`;
    case 'string':
      return 'grows by a string append on every call, without a bound';
    case 'push':
      return `gains an entry from ${g.fn}() on every call, without a bound`;
    case 'merge':
      return `gains entries from ${g.fn}() on every call, without a bound`;
    case 'union':
      return 'gains keys from `+=` on every call, without a bound';
    case 'spread':
      return 'is rebuilt with more entries on every call, without a bound';
  }
}

const SHORT_KIND: Record<Container['kind'], string> = {
  'static-property': 'static property',
  'static-local': 'static variable',
  global: 'global variable',
  'instance-property': 'long-lived object',
  'loop-variable': 'worker-loop variable',
  captured: 'captured by a request handler',
};

function messageOf(g: Growth, reach: Reach, weak: boolean): string {
  const c = g.access.container;
  const lead = `\`${c.display}\` (${SHORT_KIND[c.kind]}) ${growthLead(g)}.`;
  const base = `${lead} It ${lifetimeOf(c)}, and ${growthPhrase(g)}. Under a long-running runtime (webman, Swoole, RoadRunner, Octane) it grows until the worker is restarted.`;
  if (reach.state === 'every') return `${base} It runs on every request handled by the ${reach.label}.`;
  if (reach.state === 'unreached') return `${base} (Not reached from a request entry point of the workspace.)`;
  if (weak) return `${base} (No request entry point in the workspace, and nothing shows that this runs per request: boot-time registration or a cache of names?)`;
  return base;
}

/** Severity under the long-running profile from reachability (undefined: the rule's default). */
export function severityOfReach(reach: Reach): Severity | undefined {
  if (reach.state === 'every') return 'error';
  if (reach.state === 'unreached') return 'information';
  return undefined;
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
  const what =
    c.kind === 'static-property'
      ? 'declared here (static: one copy per process)'
      : c.kind === 'static-local'
        ? 'declared static here'
        : c.kind === 'global'
          ? 'declared global here'
          : c.kind === 'instance-property'
            ? 'declared here (property of a long-lived object)'
            : 'assigned here, before the worker loop';
  return [{ range: ctx.lines.range(s.start, s.end), message: `\`${c.display}\` ${what}` }];
}

/** "Reset it after use": `C = [];` as the last statement of the growing function. */
/**
 * What "reset it after use" empties, and with what: the deepest slot reached through literal
 * keys only (`C['rows'] = array_merge(C['rows'], …)` → `C['rows']`, `C['users'][$id] = …` →
 * `C['users']`, `C[$k] = …` → `C`), so the container's other entries stay. `''` only for a
 * string append to that very slot; anything shallower is an array.
 */
function resetTarget(g: Growth, text: string, containerText: string): { text: string; value: string } {
  const keys = g.access.keys;
  let depth = 0;
  while (depth < keys.length) {
    const k = keys[depth];
    if (k === false || (k.kind !== 'string' && k.kind !== 'number')) break;
    depth++;
  }
  const whole = g.kind === 'string' && depth === keys.length;
  if (depth === 0) return { text: containerText, value: whole ? "''" : '[]' };
  let slot: PhpNode = g.target;
  for (let i = keys.length; i > depth && slot?.kind === 'offsetlookup'; i--) slot = slot.what;
  const t = slot ? sourceOf(text, slot) : '';
  return t ? { text: t, value: whole ? "''" : '[]' } : { text: containerText, value: '[]' };
}

function resetFix(g: Growth, scope: FunctionScope, ctx: RuleContext, wholeText: string): Fix | undefined {
  const c = g.access.container;
  if (c.kind === 'loop-variable' || c.kind === 'captured') return undefined;
  const { text: containerText, value: resetValue } = resetTarget(g, ctx.doc.text, wholeText);
  if (scope.kind !== 'method' && scope.kind !== 'function') return undefined;
  const body = scope.node.body;
  const stmts: PhpNode[] = body?.kind === 'block' ? (body.children ?? []) : [];
  if (!stmts.length || !body.loc) return undefined;
  const last = stmts[stmts.length - 1];
  const text = ctx.doc.text;
  const line = `${containerText} = ${resetValue};`;
  let at: number;
  let indent: string;
  if (last.kind === 'return') {
    // Only when the returned value does not read the container.
    if (last.expr && sourceOf(text, last.expr).includes(containerText)) return undefined;
    const s = spanOf(last);
    if (!s) return undefined;
    const pos = ctx.lines.positionAt(s.start);
    indent = ctx.lines.indentOf(pos.line);
    if (ctx.lines.lineText(pos.line).slice(0, pos.character).trim() !== '') return undefined;
    return { title: `Reset \`${containerText}\` after use (at the end of ${scope.displayName})`, edits: [{ range: ctx.lines.range(s.start, s.start), newText: `${line}${ctx.lines.eol}${indent}` }] };
  }
  const s = spanOf(last);
  if (!s || text[s.end - 1] !== ';' && text[s.end - 1] !== '}') return undefined;
  at = s.end;
  const pos = ctx.lines.positionAt(s.start);
  if (ctx.lines.lineText(pos.line).slice(0, pos.character).trim() !== '') return undefined;
  indent = ctx.lines.indentOf(pos.line);
  return { title: `Reset \`${containerText}\` after use (at the end of ${scope.displayName})`, edits: [{ range: ctx.lines.range(at, at), newText: `${ctx.lines.eol}${indent}${line}` }] };
}

/**
 * "Make it local": a `static $x` variable becomes a plain local; a private
 * static property used in one method only becomes a local of that method.
 */
function localFix(g: Growth, scope: FunctionScope, model: PhpFileModel, ctx: RuleContext): Fix | undefined {
  const c = g.access.container;
  const text = ctx.doc.text;
  if (c.kind === 'static-local' && c.decl) {
    // `static $seen = [];` -> `$seen = [];` (only a lone declaration).
    const stmt = scope.owned.find((o) => o.node.kind === 'static' && (o.node.variables ?? []).includes(c.decl));
    if (!stmt || (stmt.node.variables ?? []).length !== 1 || !stmt.node.loc) return undefined;
    const start = stmt.node.loc.start.offset;
    const m = /^static\s+/i.exec(text.slice(start));
    if (!m) return undefined;
    return { title: `Make \`${c.display}\` a plain local variable of ${scope.displayName}`, edits: [{ range: ctx.lines.range(start, start + m[0].length), newText: '' }] };
  }
  if (c.kind !== 'static-property' || !c.cls || !c.decl || scope.kind !== 'method') return undefined;
  const stmtNode = (Array.isArray(c.cls.node.body) ? c.cls.node.body : []).find((m: PhpNode) => m?.kind === 'propertystatement' && (m.properties ?? []).includes(c.decl));
  if (!stmtNode || (stmtNode.properties ?? []).length !== 1 || stmtNode.visibility !== 'private' || !stmtNode.loc) return undefined;
  // Every access to it, in this class's scopes: all must be in `scope`, as self::/static::$x.
  const accesses: PhpNode[] = [];
  for (const s of model.scopes) {
    for (const o of s.owned) {
      const n = o.node;
      if (n.kind !== 'staticlookup' || n.offset?.kind !== 'variable' || n.offset.name !== c.decl.name?.name) continue;
      if (s !== scope || (n.what?.kind !== 'selfreference' && n.what?.kind !== 'staticreference')) return undefined;
      accesses.push(n);
    }
  }
  const name = nameOf(c.decl.name) ?? '';
  if (!name || scope.params.has(name) || scope.owned.some((o) => o.node.kind === 'variable' && o.node.name === name && o.parents[o.parents.length - 1]?.kind !== 'staticlookup')) return undefined;
  const body = scope.node.body;
  const first = body?.kind === 'block' ? (body.children ?? [])[0] : undefined;
  if (!first || !body.loc) return undefined;
  const init = c.decl.value ? sourceOf(text, c.decl.value) : '[]';
  const fs = spanOf(first)!;
  const firstPos = ctx.lines.positionAt(fs.start);
  if (ctx.lines.lineText(firstPos.line).slice(0, firstPos.character).trim() !== '') return undefined;
  const indent = ctx.lines.indentOf(firstPos.line);
  // Remove the declaration's whole line(s).
  const ds = ctx.lines.positionAt(stmtNode.loc.start.offset);
  const de = ctx.lines.positionAt(stmtNode.loc.end.offset);
  if (ctx.lines.lineText(ds.line).slice(0, ds.character).trim() !== '' || !/^\s*;?\s*$/.test(ctx.lines.lineText(de.line).slice(de.character))) return undefined;
  const edits = [
    { range: { start: { line: ds.line, character: 0 }, end: { line: de.line + 1, character: 0 } }, newText: '' },
    { range: ctx.lines.range(fs.start, fs.start), newText: `$${name} = ${init};${ctx.lines.eol}${indent}` },
    ...accesses.map((n) => ({ range: ctx.lines.range(n.loc!.start.offset, n.loc!.end.offset), newText: `$${name}` })),
  ];
  return { title: `Make \`${c.display}\` a local variable of ${scope.displayName} (only used there)`, edits };
}

/**
 * The growth findings of one file. `unproven` selects the other half: growth with no
 * request entry point in the workspace and no evidence in the code that it follows the
 * traffic (reported by php-unproven-static-growth, off by default).
 */
interface JudgedGrowth {
  scope: FunctionScope;
  g: Growth;
  reach: Reach;
  evidence?: string;
  /** No entry point decides, and the code shows no evidence: php-unproven-static-growth's. */
  weak: boolean;
}

/** The file's unbounded growths with their reach and evidence, once per analysis (both halves read it). */
function judgedGrowths(ctx: RuleContext, model: PhpFileModel, index: PhpModel['index']): JudgedGrowth[] {
  return ctx.shared('php.growth.judged', () => {
    const out: JudgedGrowth[] = [];
    for (const { scope, growth: g, bound, registry } of fileGrowths(model, ctx.doc.text)) {
      ctx.checkBudget();
      if (bound || !spanOf(g.target)) continue;
      const reach = reachAt(index, scope, g.at, model);
      // A registration API (macro(), extend(), addStyle()…) is reported only when a request reaches it.
      if (registry && reach.state !== 'every' && reach.state !== 'some') continue;
      // No entry point to decide by: ask the code for evidence that it follows the traffic.
      const evidence = reach.state === 'unknown' ? (perRequestEvidence(g, scope) ?? strandedEntries(g, model)) : undefined;
      out.push({ scope, g, reach, evidence, weak: reach.state === 'unknown' && !evidence });
    }
    // Properties of objects of unknown lifetime whose own removals miss what is added: the
    // removal code is the evidence (entries meant to go while the object stays).
    for (const { scope, growth: g, registry } of candidateGrowths(model, ctx.doc.text) as ScopeGrowth[]) {
      ctx.checkBudget();
      if (registry || !spanOf(g.target)) continue;
      const reach = reachAt(index, scope, g.at, model);
      out.push({ scope, g, reach, evidence: reach.state === 'unknown' ? strandedEntries(g, { ...model, anyObject: true }) : undefined, weak: false });
    }
    return out;
  });
}

export function growthFindings(ctx: RuleContext, unproven: boolean): RawFinding[] {
  const pm = phpModelOf(ctx);
  if (!pm) return [];
  const { model, index } = pm;
  const text = ctx.doc.text;
  const findings: RawFinding[] = [];
  ctx.checkBudget();
  for (const { scope, g, reach, evidence, weak } of judgedGrowths(ctx, model, index)) {
    if (weak !== unproven) continue;
    const c = g.access.container;
    const span = spanOf(g.target)!;
    const containerText = sourceOf(text, g.access.containerNode);
    const fixes = [boundFix(g, ctx, containerText), resetFix(g, scope, ctx, containerText), localFix(g, scope, model, ctx)].filter((f): f is Fix => !!f);
    findings.push({
      message: messageOf(g, reach, weak),
      range: ctx.lines.range(span.start, span.end),
      hover: hoverOf(g, scope, ctx.profile, containerText, reach, evidence),
      related: relatedOf(c, ctx),
      fixes: fixes.length ? fixes : undefined,
      severity: ctx.profile === 'long-running' && !weak ? severityOfReach(reach) : undefined,
    });
  }
  return findings;
}

/** `unset(…)` calls that cannot remove what the container's writes add (growth.ts failedRemovals). */
export function failedRemovalFindings(ctx: RuleContext, model: PhpFileModel, index: PhpModel['index']): RawFinding[] {
  const out: RawFinding[] = [];
  const seen = new Set<string>();
  for (const r of failedRemovals(model, ctx.doc.text) as FailedRemoval[]) {
    ctx.checkBudget();
    const span = spanOf(r.target);
    const c = r.access.container;
    if (!span || seen.has(`${c.key}@${span.start}`)) continue;
    seen.add(`${c.key}@${span.start}`);
    const reach = reachAt(index, r.scope, r.at, model);
    const life = c.candidate ? `a property whose entries the object removes one at a time (${c.why})` : `${lifetimeOf(c)}`;
    const message = `This \`unset\` on \`${c.display}\` (${life}) cannot remove what its writes add: ${r.reason}. The entries it means to drop stay for as long as the object lives${reach.state === 'unreached' ? ' (Not reached from a request entry point of the workspace.)' : ''}.`;
    out.push({
      message,
      range: ctx.lines.range(span.start, span.end),
      hover: [
        `**Removal that misses:** in \`${r.scope.displayName}\`, ${r.reason}.`,
        '',
        `**Container:** \`${c.display}\` — ${life}.`,
        '',
        reachLine(reach, `the code removes these entries one at a time, so they are meant to go while the container stays (${r.reason})`),
        '',
        '**What would fix it:** remove by the key the entry was added under (`array_search()` finds the key of a value; `foreach (C as $key => …)` or `array_keys()` gives the keys), and drop an outer slot once it is empty (`if (!C[$k]) { unset(C[$k]); }`).',
      ].join('\n'),
      related: relatedOf(c, ctx),
      severity: ctx.profile === 'long-running' ? severityOfReach(reach) : undefined,
    });
  }
  return out;
}
