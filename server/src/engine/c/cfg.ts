// A statement-level control-flow graph of one function body.
//
// Nodes evaluate one statement's expression ('stmt'), test a condition
// ('cond', with true/false edges), branch without a known condition
// ('branch': switch dispatch, #if/#else, macro loops), or end a path
// ('exit': return, RETURN_* macro, end of the function, a failed parameter
// parse). Paths that call a noreturn function or jump somewhere we do not
// understand end in a node without successors and are never reported.
import type { Node } from 'web-tree-sitter';
import {
  ALLOCATORS,
  COPIES,
  DEALLOCATORS,
  FATAL_ERROR_CALLS,
  FATAL_ERROR_TYPES,
  MAYBE_RETURNING_MACROS,
  NORETURN,
  READERS,
  RETURNING_MACROS,
  TRANSFERS,
  isForeachMacro,
} from './api';
import type { MacroTable } from './macros';

export type ExitKind = 'return' | 'macro' | 'end' | 'zpp';

export interface CfgNode {
  id: number;
  kind: 'entry' | 'stmt' | 'cond' | 'branch' | 'exit' | 'noop';
  /** stmt: the expression or declaration evaluated; cond: the condition; exit: the statement (or body for 'end'). */
  ast?: Node;
  /** For 'exit': the expression evaluated before leaving (return value, RETURN_STR(s) call). */
  value?: Node;
  exitKind?: ExitKind;
  /** For 'cond': successors[0] is the true edge, successors[1] the false edge. */
  succ: number[];
  /**
   * For a preprocessor 'branch' (#if/#ifdef/#elif): the condition's key and the
   * value under which successors[0] is taken. The same condition has the same
   * value everywhere in the function, so two `#if X` blocks are correlated.
   */
  preproc?: { key: string; mainWhen: boolean };
  /**
   * For a switch dispatch 'branch' (ast = the switch's condition): per successor, what the edge
   * says about the switched value: equal to `eq` (a case label) or different from every `ne`
   * (the default edge, or the edge past the switch when there is no default).
   */
  switchEdges?: Array<{ eq?: Node; ne?: Node[] }>;
  /**
   * The statement of the analysed function this node came from when it belongs
   * to the expansion of a same-file macro (its `ast` lies in the macro's parsed
   * body): findings point here.
   */
  origin?: Node;
  /** Set with `origin`: which expansion the node belongs to. */
  expansion?: Expansion;
}

/**
 * One expansion of a same-file macro in a function's CFG. The nodes of a macro's
 * parsed body live in a tree of their own (macros.ts) whose offsets mean nothing in
 * the document, and two uses of a macro with the same arguments share those nodes:
 * the expansion tells them apart and says where, in the function, they come from.
 */
export interface Expansion {
  /**
   * Unique within the CFG (a macro used twice, or a macro expanded inside another,
   * gets a new one): with a node's offsets, identifies that node in this expansion.
   */
  id: number;
  /** The invocation in the function's own text (`FREE_BUF(p)` of `FREE_BUF(p);`): what findings point at. */
  invocation: Node;
  /** The macro invoked there, then the macros expanded inside it down to this expansion, outermost first. */
  macros: string[];
}

/** What the CFG needs to expand same-file macros. */
export interface MacroContext {
  table: Pick<MacroTable, 'has' | 'expand'>;
  /** Names (functions of the file with a summary) that make a macro body worth expanding. */
  known?: (name: string) => boolean;
}

/** A name the API table already models: never expanded even if the file defines it. */
function isApiName(name: string): boolean {
  return (
    name in ALLOCATORS || name in DEALLOCATORS || name in TRANSFERS || name in COPIES || READERS.has(name) ||
    RETURNING_MACROS.has(name) || MAYBE_RETURNING_MACROS.has(name) || NORETURN.has(name) || isForeachMacro(name)
  );
}

/** Whether a macro body changes control flow or ownership (returns, jumps, releases, hands over). */
function changesFlow(stmts: Node[], known?: (name: string) => boolean): boolean {
  const stack = [...stmts];
  while (stack.length) {
    const n = stack.pop()!;
    switch (n.type) {
      case 'return_statement':
      case 'goto_statement':
        return true;
      case 'call_expression':
      case 'identifier': {
        const name = n.type === 'identifier' ? n.text : calleeName(n);
        if (
          name &&
          (name in DEALLOCATORS || name in TRANSFERS || RETURNING_MACROS.has(name) || NORETURN.has(name) ||
            MAYBE_RETURNING_MACROS.has(name) || COPIES[name]?.returns || known?.(name))
        ) {
          return true;
        }
        break;
      }
    }
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return false;
}

/** `zend_error(E_ERROR, …)`, `php_error_docref(NULL, E_ERROR, …)`: a fatal error that bails out (never returns). */
function fatalError(e: Node, name: string): boolean {
  const at = FATAL_ERROR_CALLS[name];
  const call = strip(e);
  if (at === undefined || call?.type !== 'call_expression') return false;
  const args = named(call.childForFieldName('arguments') ?? call);
  const t = strip(args[at]);
  return t?.type === 'identifier' && FATAL_ERROR_TYPES.has(t.text);
}

const MAX_MACRO_DEPTH = 4;

export interface Cfg {
  nodes: CfgNode[];
  entry: number;
  /** The function body. */
  body: Node;
}

interface LoopCtx {
  brk?: number;
  cont?: number;
}

/** Strips parentheses, casts and comments around an expression. */
export function strip(n: Node | null | undefined): Node | null {
  let cur = n ?? null;
  for (let i = 0; cur && i < 32; i++) {
    if (cur.type === 'parenthesized_expression') cur = cur.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
    else if (cur.type === 'cast_expression') cur = cur.childForFieldName('value');
    else break;
  }
  return cur;
}

/** The name of the macro or function a statement-level expression invokes (`RETURN_TRUE`, `efree(p)` -> efree). */
export function calleeName(expr: Node | null | undefined): string | undefined {
  const e = strip(expr);
  if (!e) return undefined;
  if (e.type === 'identifier') return e.text;
  if (e.type === 'call_expression') {
    const f = e.childForFieldName('function');
    if (f?.type === 'identifier') return f.text;
  }
  return undefined;
}

/** Evaluates an integer constant expression (number literals, + - * / << >> and parentheses). */
/** Success codes of the C libraries extensions wrap that are 0 (`status != ZOK` is `status != 0`). */
const LIBRARY_ZERO = new Set(['ZOK', 'RD_KAFKA_RESP_ERR_NO_ERROR', 'Z_OK', 'CURLE_OK', 'CURLM_OK', 'AMQP_STATUS_OK', 'SQLITE_OK', 'EXIT_SUCCESS']);

export function constValue(n: Node | null | undefined): number | undefined {
  const e = strip(n);
  if (!e) return undefined;
  switch (e.type) {
    case 'number_literal': {
      const t = e.text.replace(/[uUlL]+$/, '');
      const v = /^0[xX]/.test(t) ? parseInt(t, 16) : /^0[0-7]+$/.test(t) ? parseInt(t, 8) : Number(t);
      return Number.isFinite(v) ? v : undefined;
    }
    case 'true':
      return 1;
    case 'false':
    case 'null':
      return 0;
    case 'binary_expression': {
      const a = constValue(e.childForFieldName('left'));
      const b = constValue(e.childForFieldName('right'));
      const op = e.childForFieldName('operator')?.type;
      if (a === undefined || b === undefined) return undefined;
      switch (op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0 ? undefined : Math.trunc(a / b);
        case '<<': return a * 2 ** b;
        case '>>': return Math.trunc(a / 2 ** b);
        default: return undefined;
      }
    }
    case 'unary_expression': {
      const v = constValue(e.childForFieldName('argument'));
      const op = e.childForFieldName('operator')?.type;
      if (v === undefined) return undefined;
      return op === '-' ? -v : op === '+' ? v : op === '!' ? (v ? 0 : 1) : op === '~' ? ~v : undefined;
    }
    case 'identifier':
      if (e.text === 'NULL' || e.text === 'false' || LIBRARY_ZERO.has(e.text)) return 0;
      if (e.text === 'true') return 1;
      return undefined;
    default:
      return undefined;
  }
}

/** `#ifdef X` / `#ifndef X` -> defined(X) (true / false); `#if E` / `#elif E` -> E (true). */
function preprocKey(s: Node, cond: Node | null): { key: string; mainWhen: boolean } | undefined {
  if (!cond) return undefined;
  if (s.type === 'preproc_ifdef' || s.type === 'preproc_elifdef') {
    const directive = s.children[0]?.text ?? '';
    return { key: `#defined(${cond.text})`, mainWhen: !/^#\s*(el)?ifndef/.test(directive) };
  }
  let c: Node = cond;
  let mainWhen = true;
  if (c.type === 'preproc_unary_expression' && c.children[0]?.text === '!' && c.namedChildren[0]) {
    c = c.namedChildren[0];
    mainWhen = false;
  }
  if (c.type === 'preproc_defined') {
    const name = c.namedChildren.find((x) => x?.type === 'identifier')?.text;
    if (name) return { key: `#defined(${name})`, mainWhen };
  }
  return { key: `#if ${cond.text.replace(/\s+/g, ' ')}`, mainWhen: true };
}

function named(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
}

class Builder {
  readonly nodes: CfgNode[] = [];
  private labels = new Map<string, number>();
  /** The invoking statement while lowering a macro's body; the macros being expanded. */
  private origin: Node | undefined;
  private expansion: Expansion | undefined;
  private expansions = 0;
  private expanding: string[] = [];

  constructor(private readonly macros?: MacroContext) {}

  add(kind: CfgNode['kind'], ast?: Node, succ: number[] = []): number {
    const id = this.nodes.length;
    const node: CfgNode = { id, kind, ast, succ };
    if (this.origin) node.origin = this.origin;
    if (this.expansion) node.expansion = this.expansion;
    this.nodes.push(node);
    return id;
  }

  /** `MACRO(args);` of a same-file macro that changes flow: its substituted body, lowered in place. */
  private expandMacro(s: Node, e: Node, name: string, next: number, lc: LoopCtx): number | undefined {
    const m = this.macros;
    if (!m || !m.table.has(name) || isApiName(name)) return undefined;
    if (this.expanding.length >= MAX_MACRO_DEPTH || this.expanding.includes(name)) return undefined;
    const call = strip(e);
    const args = call?.type === 'call_expression' ? named(call.childForFieldName('arguments') ?? call) : undefined;
    const stmts = m.table.expand(name, args, (body) => changesFlow(body, m.known));
    if (!stmts) return undefined;
    const saved = this.origin;
    const outer = this.expansion;
    this.origin = saved ?? s;
    this.expansion = {
      id: ++this.expansions,
      invocation: outer?.invocation ?? e,
      macros: [...(outer?.macros ?? []), name],
    };
    this.expanding.push(name);
    try {
      return this.block(stmts, next, lc);
    } finally {
      this.expanding.pop();
      this.origin = saved;
      this.expansion = outer;
    }
  }

  build(body: Node): Cfg {
    const entry = this.add('entry');
    for (const l of body.descendantsOfType('labeled_statement')) {
      const name = l?.childForFieldName('label')?.text;
      if (name && !this.labels.has(name)) this.labels.set(name, this.add('noop', l));
    }
    const end = this.add('exit', body);
    this.nodes[end].exitKind = 'end';
    const first = this.block(named(body), end, {});
    this.nodes[entry].succ = [first];
    return { nodes: this.nodes, entry, body };
  }

  /** Lowers a statement list; returns its entry node. */
  private block(stmts: Node[], next: number, lc: LoopCtx): number {
    // Macro loops: ZEND_HASH_FOREACH_*(…) { body } ZEND_HASH_FOREACH_END();
    let cur = next;
    for (let i = stmts.length - 1; i >= 0; i--) {
      const s = stmts[i];
      const prev = stmts[i - 1];
      if (s.type === 'compound_statement' && prev?.type === 'expression_statement') {
        const name = calleeName(prev.namedChildren[0]);
        if (name && isForeachMacro(name)) {
          const head = this.add('branch', prev);
          const bodyEntry = this.stmt(s, head, { brk: cur, cont: head });
          this.nodes[head].succ = [bodyEntry, cur];
          cur = head;
          i--;
          continue;
        }
      }
      cur = this.stmt(s, cur, lc);
    }
    return cur;
  }

  private stmt(s: Node, next: number, lc: LoopCtx): number {
    switch (s.type) {
      case 'compound_statement':
        return this.block(named(s), next, lc);
      case 'expression_statement': {
        const e = s.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
        if (!e) return next;
        const name = calleeName(e);
        if (name) {
          const expanded = this.expandMacro(s, e, name, next, lc);
          if (expanded !== undefined) return expanded;
          if (RETURNING_MACROS.has(name) || TRANSFERS[name]?.returns || COPIES[name]?.returns) {
            const x = this.add('exit', s);
            this.nodes[x].exitKind = 'macro';
            this.nodes[x].value = e;
            return x;
          }
          if (NORETURN.has(name) || fatalError(e, name)) return this.add('stmt', e, []);
          if (MAYBE_RETURNING_MACROS.has(name)) {
            const x = this.add('exit', s);
            this.nodes[x].exitKind = 'zpp';
            return this.add('branch', e, [next, x]);
          }
        }
        return this.add('stmt', e, [next]);
      }
      case 'declaration': {
        // `Z_PARAM_BOOL(x)\n ZEND_PARSE_PARAMETERS_END();` parses as a declaration of a function
        // ZEND_PARSE_PARAMETERS_END whose type is the Z_PARAM macro: it may return.
        const fd = s.childForFieldName('declarator');
        const fname = fd?.type === 'function_declarator' ? fd.childForFieldName('declarator')?.text : undefined;
        if (s.childForFieldName('type')?.type === 'macro_type_specifier' && fname && MAYBE_RETURNING_MACROS.has(fname)) {
          const x = this.add('exit', s);
          this.nodes[x].exitKind = 'zpp';
          const st = this.add('stmt', s, [next]);
          return this.add('branch', undefined, [st, x]);
        }
        return this.add('stmt', s, [next]);
      }
      case 'return_statement': {
        const x = this.add('exit', s);
        this.nodes[x].exitKind = 'return';
        this.nodes[x].value = s.namedChildren.find((c) => c && c.type !== 'comment') ?? undefined;
        return x;
      }
      case 'if_statement': {
        const cond = s.childForFieldName('condition');
        const cons = s.childForFieldName('consequence');
        let alt = s.childForFieldName('alternative');
        if (alt?.type === 'else_clause') alt = named(alt)[0] ?? null;
        const t = cons ? this.stmt(cons, next, lc) : next;
        const f = alt ? this.stmt(alt, next, lc) : next;
        return this.cond(cond, t, f);
      }
      case 'while_statement': {
        const c = this.add('cond', s.childForFieldName('condition') ?? undefined);
        const body = s.childForFieldName('body');
        const b = body ? this.stmt(body, c, { brk: next, cont: c }) : c;
        this.setCond(c, b, next);
        return c;
      }
      case 'do_statement': {
        const c = this.add('cond', s.childForFieldName('condition') ?? undefined);
        const body = s.childForFieldName('body');
        const b = body ? this.stmt(body, c, { brk: next, cont: c }) : c;
        this.setCond(c, b, next);
        return b;
      }
      case 'for_statement': {
        const init = s.childForFieldName('initializer');
        const condition = s.childForFieldName('condition');
        const update = s.childForFieldName('update');
        const body = s.childForFieldName('body');
        const c = this.add('cond', condition ?? undefined);
        const u = update ? this.add('stmt', update, [c]) : c;
        const b = body ? this.stmt(body, u, { brk: next, cont: u }) : u;
        this.setCond(c, b, next);
        if (!init) return c;
        return this.add('stmt', init, [c]);
      }
      case 'switch_statement': {
        const body = s.childForFieldName('body');
        const d = this.add('branch', s.childForFieldName('condition') ?? undefined);
        const cases = body ? named(body) : [];
        const inner: LoopCtx = { brk: next, cont: lc.cont };
        let fall = next;
        const entries: number[] = [];
        const labels: Array<Node | null> = [];
        let hasDefault = false;
        for (let i = cases.length - 1; i >= 0; i--) {
          const cs = cases[i];
          if (cs.type !== 'case_statement') {
            fall = this.stmt(cs, fall, inner);
            continue;
          }
          const value = cs.childForFieldName('value');
          if (!value) hasDefault = true;
          const stmts = named(cs).filter((c) => !value || c.id !== value.id);
          fall = this.block(stmts, fall, inner);
          entries.unshift(fall);
          labels.unshift(value);
        }
        this.nodes[d].succ = hasDefault ? entries : [...entries, next];
        if (!this.nodes[d].succ.length) this.nodes[d].succ = [next];
        else {
          const values = labels.filter((v): v is Node => v !== null);
          const edges = labels.map((v) => (v ? { eq: v } : { ne: values }));
          if (!hasDefault) edges.push({ ne: values });
          this.nodes[d].switchEdges = edges;
        }
        return d;
      }
      case 'break_statement':
        return lc.brk ?? this.add('noop');
      case 'continue_statement':
        return lc.cont ?? this.add('noop');
      case 'goto_statement': {
        const label = this.labels.get(s.childForFieldName('label')?.text ?? '');
        // An unknown label: the path ends silently.
        return label ?? this.add('noop');
      }
      case 'labeled_statement': {
        const label = this.labels.get(s.childForFieldName('label')?.text ?? '');
        const inner = named(s).filter((c) => c.type !== 'statement_identifier');
        const e = this.block(inner, next, lc);
        if (label === undefined) return e;
        this.nodes[label].succ = [e];
        return label;
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
      case 'preproc_else': {
        const alt = s.childForFieldName('alternative');
        const cond = s.childForFieldName('condition') ?? s.childForFieldName('name');
        const stmts = named(s).filter((c) => c.id !== alt?.id && c.id !== cond?.id);
        const main = this.block(stmts, next, lc);
        if (s.type === 'preproc_else') return main;
        const other = alt ? this.stmt(alt, next, lc) : next;
        const b = this.add('branch', undefined, [main, other]);
        const pre = preprocKey(s, cond);
        if (pre) this.nodes[b].preproc = pre;
        return b;
      }
      case 'case_statement':
        // A case label outside a switch body we understood: treat as plain statements.
        return this.block(named(s).filter((c) => c.id !== s.childForFieldName('value')?.id), next, lc);
      default:
        // Empty statements, nested function declarations, preprocessor lines, attributes…
        return next;
    }
  }

  private cond(cond: Node | null, t: number, f: number): number {
    // Short-circuit: `if (a && (p = f()) != NULL)` tests its parts one by one, so the
    // false edge of each part is refined on its own (NULL checks inside the condition).
    // The recursion is bounded: units nested deeper than 500 levels are skipped.
    // Only conditions holding an assignment or a call that fills an out-argument
    // (`n < 7 || SUCCESS != split(f, &arch)`: the call is made only on the second part's
    // path): splitting every `a && b` multiplies path states.
    const e = strip(cond);
    if (e?.type === 'binary_expression' && (e.descendantsOfType('assignment_expression').length > 0 || this.fillsOutArgument(e))) {
      const op = e.childForFieldName('operator')?.text;
      const l = e.childForFieldName('left');
      const r = e.childForFieldName('right');
      if (l && r && op === '&&') return this.cond(l, this.cond(r, t, f), f);
      if (l && r && op === '||') return this.cond(l, t, this.cond(r, t, f));
    }
    const c = this.add('cond', cond ?? undefined);
    this.setCond(c, t, f);
    return c;
  }

  /** Whether an operand of `&&` / `||` calls an out-argument allocator or a summarised function of the file. */
  private fillsOutArgument(e: Node): boolean {
    const op = e.childForFieldName('operator')?.text;
    if (op !== '&&' && op !== '||') return false;
    return e.descendantsOfType('call_expression').some((c) => {
      const name = c ? calleeName(c) : undefined;
      if (!name) return false;
      const a = ALLOCATORS[name];
      return a ? a.outArg !== undefined || a.fciArg !== undefined : !!this.macros?.known?.(name);
    });
  }

  /** A constant condition keeps only its taken edge (while (1), do { } while (0)). */
  private setCond(c: number, t: number, f: number): void {
    const node = this.nodes[c];
    const v = node.ast ? constValue(node.ast) : 1; // for (;;): always true
    if (v === undefined) node.succ = [t, f];
    else {
      node.kind = 'branch';
      node.succ = [v ? t : f];
    }
  }
}

export function buildCfg(body: Node, macros?: MacroContext): Cfg {
  return new Builder(macros).build(body);
}
