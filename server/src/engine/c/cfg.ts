// A statement-level control-flow graph of one function body.
//
// Nodes evaluate one statement's expression ('stmt'), test a condition
// ('cond', with true/false edges), branch without a known condition
// ('branch': switch dispatch, #if/#else, macro loops), or end a path
// ('exit': return, RETURN_* macro, end of the function, a failed parameter
// parse). Paths that call a noreturn function or jump somewhere we do not
// understand end in a node without successors and are never reported.
import type { Node } from 'web-tree-sitter';
import { COPIES, MAYBE_RETURNING_MACROS, NORETURN, RETURNING_MACROS, TRANSFERS, isForeachMacro } from './api';

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
}

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
    case 'identifier':
      if (e.text === 'NULL' || e.text === 'false') return 0;
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

  add(kind: CfgNode['kind'], ast?: Node, succ: number[] = []): number {
    const id = this.nodes.length;
    this.nodes.push({ id, kind, ast, succ });
    return id;
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
          if (RETURNING_MACROS.has(name) || TRANSFERS[name]?.returns || COPIES[name]?.returns) {
            const x = this.add('exit', s);
            this.nodes[x].exitKind = 'macro';
            this.nodes[x].value = e;
            return x;
          }
          if (NORETURN.has(name)) return this.add('stmt', e, []);
          if (MAYBE_RETURNING_MACROS.has(name)) {
            const x = this.add('exit', s);
            this.nodes[x].exitKind = 'zpp';
            return this.add('branch', e, [next, x]);
          }
        }
        return this.add('stmt', e, [next]);
      }
      case 'declaration':
        return this.add('stmt', s, [next]);
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
        }
        this.nodes[d].succ = hasDefault ? entries : [...entries, next];
        if (!this.nodes[d].succ.length) this.nodes[d].succ = [next];
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
    const c = this.add('cond', cond ?? undefined);
    this.setCond(c, t, f);
    return c;
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

export function buildCfg(body: Node): Cfg {
  return new Builder().build(body);
}
