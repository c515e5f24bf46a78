// Function units: the function bodies of a C translation unit, classified as
// request code (PHP_FUNCTION, PHP_METHOD, … and the plain C helpers they
// call), lifecycle code (PHP_MINIT_FUNCTION, …) or other.
//
// tree-sitter-c quirks handled here:
// - `PHP_FUNCTION(name) { … }` parses as a function_definition whose type is
//   PHP_FUNCTION and whose declarator is a parenthesized_declarator;
// - `PHP_METHOD(Foo, bar) { … }` at top level parses as an expression_statement
//   (a call with a MISSING ';') followed by a separate compound_statement;
// - `static PHP_METHOD(Foo, bar) { … }` parses as a function_definition with a
//   macro_type_specifier (and an ERROR node inside the header).
import type { Node } from 'web-tree-sitter';
import { LIFECYCLE_MACROS, REQUEST_MACROS } from './api';
import { caching } from './parser';

export type UnitKind = 'request' | 'lifecycle' | 'helper' | 'other';

export interface FunctionUnit {
  kind: UnitKind;
  /** PHP_FUNCTION(name) -> "name", PHP_METHOD(Foo, bar) -> "Foo::bar", helpers: their C name. */
  name: string;
  /** The defining macro (PHP_FUNCTION …) when there is one. */
  macro?: string;
  /** The function body (a compound_statement). */
  body: Node;
  /** Parameter names (plain C functions). */
  params: string[];
  /** The parameters declared as pointers (`char *p`, `zval *zv`): summaries track these. */
  pointerParams?: Set<string>;
  /** `T **out` parameters (two levels or more): `*out = block` hands the block to the caller. */
  outParams?: Set<string>;
  /** Whether the function is declared static. */
  isStatic: boolean;
  /** A plain function called only from lifecycle code (MINIT and its helpers): reported as lifecycle code is. */
  lifecycleOnly?: boolean;
}

/**
 * A function defined through a macro this table does not list (`PS_READ_FUNC(files)`,
 * `YAR_STARTUP_FUNCTION(x)`, `PHP_INI_MH(OnUpdate)`, a stream or object handler macro): an
 * upper-case name with an argument list heads a body. Start-up and shut-down handlers run
 * once per process (lifecycle); every other handler runs for some request.
 */
function handlerKind(name: string): UnitKind | undefined {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name) || !name.includes('_')) return undefined;
  if (/(^|_)(M?INIT|MSHUTDOWN|GINIT|GSHUTDOWN|STARTUP|SHUTDOWN|RSHUTDOWN|MODULE)(_|$)/.test(name)) return 'lifecycle';
  return 'request'; // MINFO included: it runs on every phpinfo()
}

/** MINFO runs on every phpinfo() call: request code for the leak rules. */
export function reportedAsRequest(u: FunctionUnit): boolean {
  if (u.kind === 'lifecycle') return !!u.macro && /(^|_)MINFO(_|$)|INFO_D$/.test(u.macro);
  return !u.lifecycleOnly;
}

function macroNameOf(node: Node): string | undefined {
  // The first identifier-like leaf naming a known macro in the header.
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'compound_statement') continue;
    if ((n.type === 'identifier' || n.type === 'type_identifier') && (REQUEST_MACROS.has(n.text) || LIFECYCLE_MACROS.has(n.text))) {
      return n.text;
    }
    const cs = n.children;
    for (let i = cs.length - 1; i >= 0; i--) if (cs[i]) stack.push(cs[i]);
  }
  return undefined;
}

/** The identifiers of a header (a function body, compound_statement, is not entered). */
function identifiersIn(node: Node | null): string[] {
  const out: string[] = [];
  if (!node) return out;
  const stack: Node[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'compound_statement') continue;
    if (n.type === 'identifier' || n.type === 'type_identifier') out.push(n.text);
    const cs = n.children;
    for (let i = cs.length - 1; i >= 0; i--) if (cs[i]) stack.push(cs[i]);
  }
  return out;
}

/** The innermost function_declarator inside a declarator chain. */
function functionDeclarator(decl: Node | null): Node | null {
  let d = decl;
  for (let i = 0; d && i < 16; i++) {
    if (d.type === 'function_declarator') return d;
    d = d.childForFieldName('declarator');
  }
  return null;
}

function declaratorName(decl: Node | null): string | undefined {
  let d = decl;
  for (let i = 0; d && i < 16; i++) {
    if (d.type === 'identifier' || d.type === 'field_identifier') return d.text;
    const next: Node | null = d.childForFieldName('declarator');
    if (!next) {
      // parenthesized_declarator has no field: take its first named child.
      d = d.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
    } else d = next;
  }
  return undefined;
}

function unitFromDefinition(def: Node): FunctionUnit | undefined {
  const body = def.childForFieldName('body');
  if (!body || body.type !== 'compound_statement') return undefined;
  const isStatic = def.children.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
  const macro = macroNameOf(def);
  if (macro) {
    const args = identifiersIn(def).filter((t) => t !== macro && t !== 'static');
    const kind: UnitKind = REQUEST_MACROS.has(macro) ? 'request' : 'lifecycle';
    return { kind, name: args.join('::') || macro, macro, body, params: [], isStatic };
  }
  const fd = functionDeclarator(def.childForFieldName('declarator'));
  if (!fd) {
    // `HANDLER_MACRO(args) { … }`: the macro is the type, the arguments a parenthesized declarator.
    const type = def.childForFieldName('type');
    const decl = def.childForFieldName('declarator');
    const kind = type && (type.type === 'type_identifier' || type.type === 'identifier') ? handlerKind(type.text) : undefined;
    if (!kind || decl?.type !== 'parenthesized_declarator') return undefined;
    const args = identifiersIn(decl);
    return { kind, name: args.join('::') || type!.text, macro: type!.text, body, params: [], isStatic };
  }
  const name = declaratorName(fd.childForFieldName('declarator'));
  if (!name) return undefined;
  const params: string[] = [];
  const pointerParams = new Set<string>();
  const outParams = new Set<string>();
  const plist = fd.childForFieldName('parameters');
  for (const p of plist?.namedChildren ?? []) {
    if (p?.type !== 'parameter_declaration') continue;
    const d = p.childForFieldName('declarator');
    const n = declaratorName(d);
    if (n) params.push(n);
    // `char *p` (one level): a block the function may release or keep; `char **out` is an out-parameter.
    if (n && d?.type === 'pointer_declarator' && d.childForFieldName('declarator')?.type === 'identifier') pointerParams.add(n);
    if (n && d?.type === 'pointer_declarator' && d.childForFieldName('declarator')?.type === 'pointer_declarator') outParams.add(n);
  }
  return { kind: 'other', name, body, params, pointerParams, outParams, isStatic };
}

function collect(root: Node, out: FunctionUnit[]): void {
  // Iterative (an explicit stack of containers, each with its cursor): 10,000 nested `#if`s or
  // `extern "C" {` at file scope must not overflow the call stack. Units come out in document
  // order, as a recursive pre-order walk would give them.
  const frames: Array<{ cs: Node[]; i: number }> = [{ cs: root.namedChildren.filter((c): c is Node => !!c), i: 0 }];
  while (frames.length) {
    const frame = frames[frames.length - 1];
    if (frame.i >= frame.cs.length) {
      frames.pop();
      continue;
    }
    const cs = frame.cs;
    const i = frame.i++;
    const n = cs[i];
    switch (n.type) {
      case 'function_definition': {
        const u = unitFromDefinition(n);
        if (u) out.push(u);
        break;
      }
      case 'expression_statement': {
        // PHP_METHOD(Foo, bar) followed by its body as a separate block.
        const call = n.namedChildren[0];
        const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
        const macro = callee?.type === 'identifier' ? callee.text : undefined;
        const known = macro && (REQUEST_MACROS.has(macro) || LIFECYCLE_MACROS.has(macro));
        const handler = macro && !known ? handlerKind(macro) : undefined;
        if (!macro || (!known && !handler)) break;
        let j = i + 1;
        while (j < cs.length && cs[j].type === 'comment') j++;
        const body = cs[j];
        if (body?.type !== 'compound_statement') break;
        const args = identifiersIn(call!.childForFieldName('arguments'));
        out.push({
          kind: known ? (REQUEST_MACROS.has(macro) ? 'request' : 'lifecycle') : handler!,
          name: args.join('::') || macro,
          macro,
          body,
          params: [],
          isStatic: false,
        });
        frame.i = j + 1;
        break;
      }
      default:
        if (isFileScopeContainer(n)) frames.push({ cs: n.namedChildren.filter((c): c is Node => !!c), i: 0 });
        break;
    }
  }
}

/** Containers a file-scope walk descends into: `#if` branches, `extern "C" {`, its declaration list. */
export function isFileScopeContainer(n: Node): boolean {
  switch (n.type) {
    case 'preproc_if':
    case 'preproc_ifdef':
    case 'preproc_else':
    case 'preproc_elif':
    case 'preproc_elifdef':
    case 'linkage_specification':
    case 'declaration_list':
      return true;
    default:
      return false;
  }
}

/**
 * Every file-scope node that is not a container, in document order, descending into `#if`
 * branches and `extern "C" {` blocks. Iterative (an explicit stack): a file nesting 10,000 of
 * them must not overflow the call stack.
 */
export function forEachFileScopeNode(root: Node, visit: (n: Node) => void): void {
  const frames: Array<{ kids: (Node | null)[]; i: number }> = [{ kids: root.namedChildren, i: 0 }];
  while (frames.length) {
    const frame = frames[frames.length - 1];
    if (frame.i >= frame.kids.length) {
      frames.pop();
      continue;
    }
    const n = frame.kids[frame.i++];
    if (!n) continue;
    if (isFileScopeContainer(n)) frames.push({ kids: n.namedChildren, i: 0 });
    else visit(n);
  }
}

/**
 * The variables declared at file scope (globals and file-level statics): a
 * request-code store of process memory into one of them outlives the request.
 */
export function fileGlobals(root: Node): Set<string> {
  const out = new Set<string>();
  forEachFileScopeNode(root, (n) => {
    if (n.type !== 'declaration') return;
    for (const decl of n.childrenForFieldName('declarator')) {
      const target = decl?.type === 'init_declarator' ? decl.childForFieldName('declarator') : decl;
      if (!target || functionDeclarator(target)) continue;
      const name = declaratorName(target);
      if (name) out.add(name);
    }
  });
  return out;
}

/** calleesIn by node type and text: a function body's calls do not change unless its text does. */
const calleeCache = new Map<string, ReadonlySet<string>>();
let calleeCacheChars = 0;
const MAX_CALLEE_CACHE_ENTRIES = 4000;
const MAX_CALLEE_CACHE_CHARS = 16_000_000;

/** Empties calleesIn's cache (with clearCFunctionCache). */
export function clearCalleeCache(): void {
  calleeCache.clear();
  calleeCacheChars = 0;
}

/** Callee names of the direct calls inside a node. */
export function calleesIn(node: Node): ReadonlySet<string> {
  const key = caching.off ? '' : `${node.type}\u0000${node.text}`;
  const hit = key ? calleeCache.get(key) : undefined;
  if (hit) {
    calleeCache.delete(key);
    calleeCache.set(key, hit);
    return hit;
  }
  const out = new Set<string>();
  for (const call of node.descendantsOfType('call_expression')) {
    const f = call?.childForFieldName('function');
    if (f?.type === 'identifier') out.add(f.text);
  }
  if (key && key.length <= MAX_CALLEE_CACHE_CHARS / 4) {
    calleeCache.set(key, out);
    calleeCacheChars += key.length;
    for (const [k] of calleeCache) {
      if (calleeCache.size <= MAX_CALLEE_CACHE_ENTRIES && calleeCacheChars <= MAX_CALLEE_CACHE_CHARS) break;
      calleeCache.delete(k);
      calleeCacheChars -= k.length;
    }
  }
  return out;
}

/**
 * Finds the function units of a translation unit. Plain C functions called
 * (directly or transitively) from request code become 'helper' units.
 */
export function findUnits(root: Node): FunctionUnit[] {
  const units: FunctionUnit[] = [];
  collect(root, units);
  const byName = new Map<string, FunctionUnit>();
  for (const u of units) if (u.kind === 'other' && !byName.has(u.name)) byName.set(u.name, u);
  // Plain functions reached only from lifecycle code (MINIT's helpers) are set-up code.
  const fromLifecycle = units.filter((u) => u.kind === 'lifecycle');
  const seen = new Set<FunctionUnit>();
  while (fromLifecycle.length) {
    const u = fromLifecycle.shift()!;
    for (const name of calleesIn(u.body)) {
      const h = byName.get(name);
      if (h && !seen.has(h)) {
        seen.add(h);
        h.lifecycleOnly = true;
        fromLifecycle.push(h);
      }
    }
  }
  const queue = units.filter((u) => u.kind === 'request');
  while (queue.length) {
    const u = queue.shift()!;
    for (const name of calleesIn(u.body)) {
      const h = byName.get(name);
      if (h && h.kind === 'other') {
        h.kind = 'helper';
        h.lifecycleOnly = false;
        queue.push(h);
      }
    }
  }
  return units;
}
