// Turns the ownership analysis into findings: messages, related locations,
// hovers and quick fixes. Shared by the c-* rules.
import { resolve } from 'path';
import { reportedAsRequest } from './units';
import type { Node } from 'web-tree-sitter';
import { profileDisplayName, type Fix, type RawFinding, type RelatedInfo, type RuleContext, type TextEdit } from '../types';
import { ALLOCATORS, FAMILIES, type Family } from './api';
import { seedWorkspaceFacts, workspaceSummaries } from './workspace';
import { fieldLeaks, type FieldLeak } from './fields';
import {
  analyzeOwnership,
  type AllocSite,
  type LeakPoint,
  type MacroVia,
  type OwnershipAnalysis,
  type SiteReport,
  type UnitAnalysis,
} from './ownership';

/** The per-document analysis, computed once and shared by every C rule (the tree is deleted at dispose). */
export function ownershipOf(ctx: RuleContext): OwnershipAnalysis {
  return ctx.shared('c.ownership', () => {
    const a = analyzeOwnership(
      ctx.doc.text,
      () => ctx.checkBudget(),
      workspaceSummaries(ctx),
      false,
      ctx.doc.path,
      undefined,
      ctx.outsideBudget && ((work) => ctx.outsideBudget!(work)),
    );
    seedWorkspaceFacts(ctx, a);
    return a;
  });
}

export const LONG_RUNNING = 'Swoole, webman, RoadRunner, Octane';

export function formatBytes(b: number): string {
  const MB = 1024 * 1024;
  if (b >= MB) return `${+(b / MB).toFixed(1)} MB`;
  if (b >= 1024) return `${+(b / 1024).toFixed(1)} kB`;
  return b === 1 ? '1 byte' : `${b} bytes`;
}

/** `malloc(2 MB)`, `emalloc(name_len + 7)` or `strdup(…)`. */
export function describeCall(site: AllocSite): string {
  if (site.sizeBytes !== undefined && site.sizeBytes > 0) return `${site.fn}(${formatBytes(site.sizeBytes)})`;
  const text = site.call.text;
  if (text.length <= 48 && !/[\r\n]/.test(text)) return text;
  return `${site.fn}(…)`;
}

// ------------------------------------------------------- expanded macros

/**
 * The node of the document a finding about `n` points at: `n` itself, or, when `n` lies in
 * the expansion of a same-file macro (`via`), the macro's invocation in the function
 * (`FREE_BUF(p)`): the offsets of a macro's parsed body are not the document's.
 */
export function placed(n: Node, via: MacroVia | undefined): Node {
  return via?.invocation ?? n;
}

/** The document range of `n` (see placed()). */
export function rangeAt(ctx: RuleContext, n: Node, via: MacroVia | undefined) {
  const at = placed(n, via);
  return ctx.lines.range(at.startIndex, at.endIndex);
}

/** ` (through the macro FREE_BUF)`, ` (through the macro CLEANUP, then FREE_BUF)`, or ''. */
export function throughMacro(via: MacroVia | undefined): string {
  if (!via?.macros.length) return '';
  return ` (through the macro ${via.macros.join(', then ')})`;
}

/** The related locations of the `#define`s of the macros `via` went through (innermost first). */
export function macroRelated(ctx: RuleContext, via: MacroVia | undefined, what: string): RelatedInfo[] {
  if (!via?.macros.length) return [];
  const out: RelatedInfo[] = [];
  const analysis = ownershipOf(ctx);
  const chain = via.macros;
  for (let i = chain.length - 1; i >= 0; i--) {
    const def = analysis.macroDefinition(chain[i]);
    if (!def) continue;
    const message = i === chain.length - 1 ? `${what} in the body of the macro ${chain[i]}, defined here` : `the macro ${chain[i]}, defined here, uses ${chain[i + 1]}`;
    out.push({ range: ctx.lines.range(def.startIndex, lineEnd(def)), message });
  }
  return out;
}

/** A hover line explaining that the call is in a macro's body (`what`: "the `efree()` call"). */
export function macroHover(ctx: RuleContext, via: MacroVia | undefined, what: string): string[] {
  if (!via?.macros.length) return [];
  const analysis = ownershipOf(ctx);
  const named = (name: string) => {
    const def = analysis.macroDefinition(name);
    return def ? `\`${name}\` (defined on line ${line1(ctx, def.startIndex)})` : `\`${name}\``;
  };
  const chain = via.macros;
  let text = `${what} is in the body of the macro ${named(chain[chain.length - 1])}`;
  for (let i = chain.length - 2; i >= 0; i--) text += `, which ${named(chain[i])} uses`;
  return [`- **Through a macro:** ${text}; this function invokes it as \`${oneLine(via.invocation.text)}\`.`];
}

/** The end of a `#define`'s first line (its whole text when it has one line). */
function lineEnd(def: Node): number {
  const nl = def.text.search(/\r?\n|\r/);
  return nl < 0 ? def.endIndex : def.startIndex + nl;
}

function oneLine(text: string): string {
  const first = text.split(/\r?\n|\r/)[0];
  return first.length > 60 || first.length < text.length ? first.slice(0, 60) + '…' : first;
}

function line1(ctx: RuleContext, offset: number): number {
  return ctx.lines.positionAt(offset).line + 1;
}

/** The range a leak point is shown at: the exit statement, or the function's closing brace. */
function leakRange(ctx: RuleContext, p: LeakPoint) {
  if (p.kind === 'end') return ctx.lines.range(p.node.endIndex - 1, p.node.endIndex);
  return ctx.lines.range(p.node.startIndex, p.node.endIndex);
}

function leakLabel(ctx: RuleContext, p: LeakPoint): string {
  const line = line1(ctx, p.kind === 'end' ? p.node.endIndex - 1 : p.node.startIndex);
  switch (p.kind) {
    case 'end':
      return `end of the function (line ${line})`;
    case 'overwrite':
      return `line ${line} (the variable is overwritten)`;
    case 'zpp':
      return `line ${line} (parameter parsing fails)`;
    default: {
      const first = p.node.text.split(/\r?\n|\r/)[0];
      return `line ${line} (\`${first.length > 40 ? first.slice(0, 40) + '…' : first}\`)`;
    }
  }
}

function relatedMessage(p: LeakPoint, variable: string): string {
  if (p.via) {
    return p.kind === 'overwrite'
      ? `the block is lost here${throughMacro(p.via)}: \`${variable}\` is overwritten while it still holds it`
      : `leaks here when this path is taken${throughMacro(p.via)}`;
  }
  switch (p.kind) {
    case 'overwrite':
      return `the block is lost here: \`${variable}\` is overwritten while it still holds it`;
    case 'zpp':
      return 'leaks here when parameter parsing fails and the function returns';
    case 'end':
      return 'leaks here when this path is taken (the function ends)';
    default:
      return 'leaks here when this path is taken';
  }
}

/** The message's "where": never released, or the first path that leaks. */
function where(ctx: RuleContext, r: SiteReport, verb: string): string {
  const p = r.leaks[0];
  const line = line1(ctx, p.kind === 'end' ? p.node.endIndex - 1 : p.node.startIndex);
  if (p.kind === 'overwrite') return `is not ${verb} before line ${line} overwrites it`;
  if (!r.handledSomewhere) return `is never ${verb}`;
  return `is not ${verb} on the path through line ${line}`;
}

export function leakMessage(ctx: RuleContext, r: SiteReport): string {
  const site = r.site;
  const fam = FAMILIES[site.family];
  const through = throughMacro(site.via);
  if (site.global) {
    const size = site.sizeBytes ? ` ~${formatBytes(site.sizeBytes)}` : '';
    return `\`${site.variable}\` = ${describeCall(site)}${through} overwrites this global on every call without freeing the old block. No \`if (${site.variable})\` check or free before it: process memory, so the worker grows by${size || ' one block'} per call that takes this path`;
  }
  const verb = site.release ? `released (${site.release})` : fam.releasedVerb;
  // A refcount message names the call first; the macro it came through follows the first
  // sentence (expanded calls are long: the first sentence stays short).
  const head = fam.refcount
    ? `${describeCall(site)}: the reference in \`${site.variable}\` ${where(ctx, r, verb)}${through ? `. Made${through.replace(/^ \(|\)$/g, ' ').trimEnd()}` : ''}`
    : `\`${site.variable}\` = ${describeCall(site)}${through} ${where(ctx, r, verb)}`;
  const size = site.sizeBytes ? `~${formatBytes(site.sizeBytes)}` : undefined;
  if (fam.lifetime === 'process') {
    const growth = size ? `grows by ${size} on every call` : 'grows on every call';
    // The lifetime (why process memory outlives the request) is the hover's Lifetime line.
    return `${head}. The worker ${growth}${r.handledSomewhere ? ' that takes this path' : ''}.`;
  }
  if (ctx.profile === 'long-running') {
    return `${head}. It leaks ${size ? size + ' ' : ''}on every call${r.handledSomewhere ? ' that takes this path' : ''} under a long-running runtime.`;
  }
  return `${head}. Freed at request end under php-fpm; it leaks on every call under a long-running runtime.`;
}

function lifetimeText(family: Family, profile: RuleContext['profile']): string {
  if (FAMILIES[family].lifetime === 'process') {
    return 'survives the request: nothing frees it until the worker process exits (php-fpm `pm.max_requests`, a restart). `memory_limit` does not see it; the process RSS grows.';
  }
  return profile === 'long-running'
    ? `freed at request end by the Zend memory manager, but a long-running runtime (${LONG_RUNNING}) never ends its request: it is never freed and grows \`memory_get_usage()\`.`
    : `freed at request end by the Zend memory manager under php-fpm / \`php -S\` (debug builds report it as a leak); never freed in long-running runtimes (${LONG_RUNNING}).`;
}

export function leakHover(ctx: RuleContext, r: SiteReport): string {
  const site = r.site;
  const fam = FAMILIES[site.family];
  const exits = r.leaks.map((p) => `- ${leakLabel(ctx, p)}`).join('\n');
  return [
    `**\`${site.variable}\` = ${describeCall(site)}**`,
    '',
    `- **Family:** ${fam.label}; release it with \`${site.release ?? fam.release}()\`.`,
    `- **Lifetime:** ${lifetimeText(site.family, ctx.profile)}`,
    `- **Profile:** \`${profileDisplayName(ctx.profile)}\`${ctx.profile === 'fpm' ? ' (every request starts clean)' : ' (all requests share one PHP request)'}.`,
    ...macroHover(ctx, site.via, `the \`${site.fn}()\` call`),
    '',
    `Leaks at:`,
    exits,
  ].join('\n');
}

// ---------------------------------------------------------------- quick fixes

/** `zval_ptr_dtor(&tmp)` when the zval variable itself holds the reference (ZVAL_COPY(&tmp, …)), else `zval_ptr_dtor(zv)`. */
function byAddress(site: AllocSite): boolean {
  const a = ALLOCATORS[site.fn];
  // `fci.retval = &rv`, `helper(&zv)` filling a zval: the zval variable itself.
  if (a?.fciArg !== undefined || site.byAddress) return true;
  const i = a?.outArg ?? a?.bindArg;
  if (i === undefined) return false;
  const arg = site.call.childForFieldName('arguments')?.namedChildren.filter((c) => c && c.type !== 'comment')[i];
  return arg?.type === 'pointer_expression' && arg.childForFieldName('operator')?.text === '&';
}

function releaseCall(site: AllocSite): string {
  if (site.release) return `${site.release}(${byAddress(site) || ALLOCATORS[site.fn]?.releaseByAddress ? '&' : ''}${site.variable})`;
  switch (site.family) {
    case 'zval-ref':
      return `zval_ptr_dtor(${byAddress(site) ? '&' : ''}${site.variable})`;
    case 'libc':
      return `free(${site.variable})`;
    case 'zend-request':
      return `efree(${site.variable})`;
    case 'zend-persistent':
      return `pefree(${site.variable}, 1)`;
    default:
      return `zend_string_release(${site.variable})`;
  }
}

function mentions(n: Node, name: string): boolean {
  for (const id of n.descendantsOfType('identifier')) if (id?.text === name) return true;
  return n.type === 'identifier' && n.text === name;
}

/** True when only white space precedes the offset on its line. */
function startsLine(ctx: RuleContext, offset: number): boolean {
  const pos = ctx.lines.positionAt(offset);
  return /^[ \t]*$/.test(ctx.lines.lineText(pos.line).slice(0, pos.character));
}

function lineStart(ctx: RuleContext, offset: number): number {
  return ctx.lines.offsetAt({ line: ctx.lines.positionAt(offset).line, character: 0 });
}

function insertBefore(ctx: RuleContext, offset: number, indent: string, text: string): TextEdit {
  const at = lineStart(ctx, offset);
  return { range: ctx.lines.range(at, at), newText: `${indent}${text}${ctx.lines.eol}` };
}

function within(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** "Insert efree(foo) before the function's exits": undefined when any exit cannot be fixed safely. */
export function insertReleaseFix(ctx: RuleContext, ua: UnitAnalysis, r: SiteReport): Fix | undefined {
  const site = r.site;
  const v = site.variable;
  if (!r.leaks.length || ua.shadowed.has(v)) return undefined;
  const scope = ua.scopes.get(v);
  if (!scope) return undefined;
  const call = releaseCall(site);
  const eol = ctx.lines.eol;
  const edits: TextEdit[] = [];
  for (const p of r.leaks) {
    if (p.kind === 'overwrite' || p.kind === 'zpp' || p.cfgNode === undefined) return undefined;
    if (!r.insertSafe.get(p.cfgNode)) return undefined;
    if (p.kind === 'end') {
      const body = p.node;
      if (scope.startIndex !== body.startIndex) return undefined;
      const close = body.endIndex - 1;
      if (!startsLine(ctx, close)) return undefined;
      const stmts = body.namedChildren.filter((c) => c && c.type !== 'comment');
      const indent = stmts.length ? ctx.lines.indentOf(ctx.lines.positionAt(stmts[0]!.startIndex).line) : ctx.lines.indentOf(ctx.lines.positionAt(close).line) + '\t';
      edits.push(insertBefore(ctx, close, indent, `${call};`));
      continue;
    }
    const stmt = p.node;
    const parent = stmt.parent;
    if (!parent || (parent.type !== 'compound_statement' && parent.type !== 'case_statement')) return undefined;
    if (!within(scope, stmt) || !startsLine(ctx, stmt.startIndex)) return undefined;
    const indent = ctx.lines.indentOf(ctx.lines.positionAt(stmt.startIndex).line);
    if (mentions(stmt, v)) {
      // RETURN_STRING(buf); -> RETVAL_STRING(buf); efree(buf); return;
      const expr = stmt.namedChildren[0];
      const callee = expr?.type === 'call_expression' ? expr.childForFieldName('function') : null;
      const args = expr?.childForFieldName('arguments')?.namedChildren.filter((c) => c && c.type !== 'comment') ?? [];
      const last = stmt.children[stmt.childCount - 1];
      const name = callee?.text;
      const php7 = (name === 'RETURN_STRING' && args.length === 1) || (name === 'RETURN_STRINGL' && args.length === 2);
      if (!php7 || !callee || !last || last.type !== ';' || last.isMissing || !startsLine(ctx, stmt.startIndex)) return undefined;
      edits.push({ range: ctx.lines.range(callee.startIndex, callee.startIndex + 'RETURN'.length), newText: 'RETVAL' });
      edits.push({
        range: ctx.lines.range(stmt.endIndex, stmt.endIndex),
        newText: `${eol}${indent}${call};${eol}${indent}return;`,
      });
      continue;
    }
    edits.push(insertBefore(ctx, stmt.startIndex, indent, `${call};`));
  }
  const fn = call.slice(0, call.indexOf('('));
  return { title: `Insert ${call} before the function's exits`, edits: dedupe(edits), isPreferred: fn !== 'free' };
}

function dedupe(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const k = `${e.range.start.line}:${e.range.start.character}:${e.newText}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** "Switch to the Zend allocator: emalloc": malloc -> emalloc and the matching free(p) -> efree(p). */
export function zendSwitchFix(ctx: RuleContext, ua: UnitAnalysis, r: SiteReport): Fix | undefined {
  const site = r.site;
  const to = ALLOCATORS[site.fn]?.zendEquivalent;
  // A global keeps its block for the next request: request memory there would dangle.
  if (site.family !== 'libc' || !to || r.leftFunction || r.reallocated || site.global) return undefined;
  // Calls inside an expanded macro are written in its #define (shared by its other uses): not edited.
  if (site.via) return undefined;
  const edits: TextEdit[] = [{ range: ctx.lines.range(site.callee.startIndex, site.callee.endIndex), newText: to }];
  for (const ev of ua.deallocs) {
    const mine = ev.seen.some((s) => s.site?.id === site.id);
    if (!mine) continue;
    // The same free() also releases other blocks: switching it would mismatch them.
    if (ev.seen.some((s) => !s.site || s.site.id !== site.id) || ev.fn !== 'free' || ev.via) return undefined;
    const callee = ev.call.childForFieldName('function');
    if (!callee) return undefined;
    edits.push({ range: ctx.lines.range(callee.startIndex, callee.endIndex), newText: 'efree' });
  }
  return { title: `Switch to the Zend allocator: ${to}`, edits, isPreferred: true };
}

// ---------------------------------------------------------------- struct fields

/** The document's field leaks (fields.ts), computed once for the three leak rules. */
function fieldLeaksOf(ctx: RuleContext): FieldLeak[] {
  return ctx.shared('c.fields', () => {
    const analysis = ownershipOf(ctx);
    const units = analysis.units.map((ua) => ua.unit);
    if (!units.length) return [];
    const external = workspaceSummaries(ctx);
    const lookup = (name: string) => analysis.summaries.get(name) ?? external?.(name);
    return fieldLeaks(ctx, units, units[0].body.tree.rootNode, lookup);
  });
}

/** The other file a field store lies in (undefined: this document). */
function otherFile(ctx: RuleContext, file: string | undefined): string | undefined {
  return file && resolve(file) !== resolve(ctx.doc.path) ? file : undefined;
}

function evidenceText(ctx: RuleContext, l: FieldLeak): string {
  const e = l.evidence;
  if (!e) return '';
  const file = otherFile(ctx, e.file);
  const where = file ? `${e.fn}, ${pathBase(file)}:${e.at[0] + 1}` : `${e.fn}, line ${e.at[0] + 1}`;
  return `\`${e.text}\` (${where})`;
}

function pathBase(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? p : p.slice(i + 1);
}

function fieldTail(ctx: RuleContext, family: Family): string {
  if (FAMILIES[family].lifetime === 'process') return 'process memory survives the request, so the worker grows every time';
  if (ctx.profile === 'long-running') return `under a long-running runtime (${LONG_RUNNING}) the request never ends, so it leaks every time`;
  return `the Zend memory manager frees it at the end of the request under php-fpm, but it leaks every time in long-running runtimes (${LONG_RUNNING})`;
}

export function fieldLeakMessage(ctx: RuleContext, l: FieldLeak): string {
  const fam = FAMILIES[l.family];
  const ev = evidenceText(ctx, l);
  const tail = fieldTail(ctx, l.family);
  const release = fam.release;
  switch (l.kind) {
    case 'overwrite':
      return `\`${l.access}\` is overwritten while it may still own a block. ${ev} stores one there and nothing on this path releases the old one first (\`${release}(${l.access})\` before the store): ${tail} it is replaced.`;
    case 'null':
      return `\`${l.access} = NULL\` drops the block the field may own without releasing it. ${ev} stores one there: ${tail} this path is taken.`;
    case 'destroyed':
      return `\`${l.access}\` is set to NULL after zend_hash_destroy(), which does not free the HashTable itself. ${ev} allocates it; FREE_HASHTABLE or efree it before clearing the pointer: ${tail} this path is taken.`;
    default:
      return `\`${oneLine(l.node.text)}\` releases the struct without releasing its field \`${l.access}\`. ${ev} fills it with a block that no other function releases: ${tail} the object is freed.`;
  }
}

function fieldFindings(ctx: RuleContext, lifetime: 'process' | 'request' | 'refcount'): RawFinding[] {
  const out: RawFinding[] = [];
  for (const l of fieldLeaksOf(ctx)) {
    const fam = FAMILIES[l.family];
    if ((fam.refcount ? 'refcount' : fam.lifetime) !== lifetime) continue;
    const related: RelatedInfo[] = [];
    const e = l.evidence;
    if (e) {
      related.push({
        range: { start: { line: e.at[0], character: e.at[1] }, end: { line: e.at[2], character: e.at[3] } },
        message: `${e.fn} stores a ${fam.label.split(':')[0]} block into this field here`,
        ...(otherFile(ctx, e.file) ? { path: e.file } : {}),
      });
    }
    out.push({
      message: fieldLeakMessage(ctx, l),
      range: ctx.lines.range(l.node.startIndex, l.node.endIndex),
      related,
      hover: [
        `**\`${l.access}\`**`,
        '',
        `- **Family:** ${fam.label}; release it with \`${fam.release}()\`.`,
        `- **Lifetime:** ${lifetimeText(l.family, ctx.profile)}`,
        `- **Why:** ownership of a struct field across the extension's functions: a function stores an allocation in this field, so the block it holds must be released before the field is replaced, cleared or its struct freed.`,
      ].join('\n'),
    });
  }
  return out;
}

/**
 * The leak findings of one class in request code: process memory, request
 * memory, or counted references (zend_string / zval copies, c-refcount-leak).
 */
export function leakFindings(ctx: RuleContext, lifetime: 'process' | 'request' | 'refcount'): RawFinding[] {
  const analysis = ownershipOf(ctx);
  const out: RawFinding[] = fieldFindings(ctx, lifetime);
  for (const ua of analysis.units) {
    // Every function but set-up code: request code, its helpers, plain C functions of unknown callers, MINFO.
    if (!reportedAsRequest(ua.unit)) continue;
    for (const r of ua.sites) {
      const fam = FAMILIES[r.site.family];
      const cls = fam.refcount ? 'refcount' : fam.lifetime;
      if (!r.leaks.length || cls !== lifetime) continue;
      const via = r.site.via;
      if (r.site.global) {
        const at = via ? via.invocation : (r.site.call.parent ?? r.site.call);
        out.push({
          message: leakMessage(ctx, r),
          range: rangeAt(ctx, r.site.call, via),
          related: [
            { range: ctx.lines.range(at.startIndex, at.endIndex), message: `the next call overwrites \`${r.site.variable}\` here while it still holds this block` },
            ...macroRelated(ctx, via, `the ${r.site.fn}() call is`),
          ],
          hover: leakHover(ctx, r),
        });
        continue;
      }
      // The fix that removes the leak comes first and is preferred. Switching malloc to the
      // Zend allocator only moves the block to request memory: freed at request end under
      // php-fpm, still a leak under a long-running runtime (there it is not offered).
      const fixes: Fix[] = [];
      const ins = insertReleaseFix(ctx, ua, r);
      if (ins) fixes.push({ ...ins, isPreferred: true });
      if (lifetime === 'process' && ctx.profile !== 'long-running') {
        const z = zendSwitchFix(ctx, ua, r);
        if (z) fixes.push({ ...z, isPreferred: !ins });
      }
      out.push({
        message: leakMessage(ctx, r),
        range: rangeAt(ctx, r.site.call, via),
        related: [
          ...r.leaks.map((p) => ({ range: leakRange(ctx, p), message: relatedMessage(p, r.site.variable) })),
          ...macroRelated(ctx, via, `the ${r.site.fn}() call is`),
        ],
        hover: leakHover(ctx, r),
        fixes: fixes.length ? fixes : undefined,
      });
    }
  }
  return out;
}
