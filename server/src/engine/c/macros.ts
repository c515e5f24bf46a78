// Macros defined in the same file (`#define NAME(a, b) body`) whose body changes
// control flow or ownership: `return`, `goto`, `RETURN_*`, a deallocator, a
// transfer, a function of the file with a summary. The CFG (cfg.ts) expands a
// statement invoking one of them into the statements of its body, with the
// arguments substituted, so `LOOKUP_CLEAN_RETURN(NULL);` (= `array_cleanup(…);
// return (NULL)`) is an exit after a cleanup call, not an unknown call.
//
// The body is parsed by tree-sitter, wrapped in a function; arguments are
// substituted at the identifiers naming parameters (never by text search), and
// the substituted body is parsed again. Bodies using `#`/`##`, bodies that do not
// parse, and names defined twice with different bodies are left alone. The
// parsed bodies live until dispose().
import type { Node, Tree } from 'web-tree-sitter';
import { CParseError, parseC } from './parser';
import { resolveConditionals } from './preprocess';

export interface MacroDef {
  name: string;
  /** Parameter names; undefined for an object-like macro. */
  params?: string[];
  variadic: boolean;
  /** The body, line continuations joined. */
  body: string;
}

const WRAP_HEAD = 'void __php_leak_macro__(void) {\n';
const WRAP_TAIL = '\n;}\n';

function bodyText(value: Node | null): string {
  if (!value) return '';
  // A preproc_arg keeps the `\` + newline continuations: one logical line.
  const t = value.text;
  let out = '';
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '\\' && (t[i + 1] === '\n' || (t[i + 1] === '\r' && t[i + 2] === '\n'))) {
      i += t[i + 1] === '\r' ? 2 : 1;
      out += ' ';
    } else out += t[i];
  }
  return out;
}

function hasError(n: Node): boolean {
  return n.hasError || n.descendantsOfType('ERROR').length > 0;
}

/** Bodies nested deeper than this are not expanded (the expression walks recurse). */
const MAX_BODY_DEPTH = 200;

/** Whether the tree under n is nested deeper than `limit` (an iterative cursor walk). */
function deeperThan(n: Node, limit: number): boolean {
  const c = n.walk();
  try {
    let depth = 0;
    for (;;) {
      if (c.gotoFirstChild()) {
        if (++depth > limit) return true;
        continue;
      }
      while (!c.gotoNextSibling()) {
        if (depth === 0 || !c.gotoParent()) return false;
        depth--;
      }
    }
  } finally {
    c.delete();
  }
}

/** The statements of a wrapped, parsed body. */
function statementsOf(tree: Tree): Node[] | undefined {
  const fn = tree.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
  const body = fn?.childForFieldName('body');
  if (!body || hasError(tree.rootNode) || deeperThan(body, MAX_BODY_DEPTH)) return undefined;
  return body.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
}

/**
 * The `#define`s of a tree, in document order: what descendantsOfType(['preproc_function_def',
 * 'preproc_def']) gives, found from the text (every such node starts with `#[ \t]*define`, the
 * grammar's token) instead of a walk of the whole tree, which costs more than the rest of an
 * edit's analysis once functions are cached.
 */
function definitionsIn(root: Node): Node[] {
  const text = root.text;
  const base = root.startIndex;
  const out: Node[] = [];
  const re = /#[ \t]*define/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = base + m.index;
    for (let n: Node | null = root.descendantForIndex(at, at + 1); n && n.startIndex === at; n = n.parent) {
      if (n.type === 'preproc_def' || n.type === 'preproc_function_def') {
        out.push(n);
        break;
      }
    }
  }
  return out;
}

export class MacroTable {
  private readonly defs = new Map<string, MacroDef | null>();
  /** The first `#define` of each name (a node of the document's tree). */
  private readonly nodes = new Map<string, Node>();
  private readonly trees: Tree[] = [];
  private readonly expansions = new Map<string, Node[] | null>();
  /** The macro and arguments each expansion's tree was parsed for (cache.ts finds its nodes again). */
  private readonly sources = new Map<Tree, { name: string; args: string[] }>();

  constructor(root: Node) {
    /** Names defined differently in several places: each definition, for the configuration to choose. */
    const conflicts = new Map<string, Array<{ def: MacroDef; node: Node }>>();
    for (const d of definitionsIn(root)) {
      const name = d.childForFieldName('name')?.text;
      if (!name) continue;
      const body = bodyText(d.childForFieldName('value')).trim();
      let params: string[] | undefined;
      let variadic = false;
      if (d.type === 'preproc_function_def') {
        params = [];
        for (const p of d.childForFieldName('parameters')?.children ?? []) {
          if (p?.type === 'identifier') params.push(p.text);
          else if (p?.type === '...') variadic = true;
        }
      }
      const def: MacroDef = { name, params, variadic, body };
      const prev = this.defs.get(name);
      if (prev === undefined) {
        this.defs.set(name, body && !body.includes('#') ? def : null);
        this.nodes.set(name, d);
        conflicts.set(name, [{ def, node: d }]);
      } else {
        if (prev && (prev.body !== body || String(prev.params) !== String(params))) this.defs.set(name, null);
        conflicts.get(name)?.push({ def, node: d });
      }
    }
    // `#if PHP_VERSION_ID >= 70000 … #define M(x) A … #else … #define M(x) B`: the definition the
    // configuration of preprocess.ts keeps (a PHP 8.2 build), when it keeps exactly one of them.
    let resolved: string[] | undefined;
    for (const [name, defs] of conflicts) {
      if (defs.length < 2 || this.defs.get(name) || defs.some((x) => !x.def.body || x.def.body.includes('#'))) continue;
      resolved ??= resolveConditionals(root.text, false).split('\n');
      const kept = defs.filter((x) => resolved![x.node.startPosition.row - root.startPosition.row]?.trimStart().startsWith('#'));
      if (kept.length !== 1) continue;
      this.defs.set(name, kept[0].def);
      this.nodes.set(name, kept[0].node);
    }
  }

  has(name: string): boolean {
    return !!this.defs.get(name);
  }

  /** The `#define` of an expandable macro in the document (undefined: unknown or not expanded). */
  definition(name: string): Node | undefined {
    return this.defs.get(name) ? this.nodes.get(name) : undefined;
  }

  /** What the table knows of `name`, as a string (the per-function cache compares it between documents). */
  signature(name: string): string {
    const d = this.defs.get(name);
    return d ? JSON.stringify([d.params ?? null, d.variadic, d.body]) : String(d);
  }

  /**
   * The statements of `name(args)` with the arguments substituted (`args`
   * undefined: an object-like macro used as a statement), or undefined when the
   * macro is unknown, does not parse, or `interesting` rejects its body.
   */
  expand(name: string, args: Node[] | undefined, interesting: (stmts: Node[]) => boolean): Node[] | undefined {
    const def = this.defs.get(name);
    if (!def) return undefined;
    if ((def.params === undefined) !== (args === undefined)) return undefined;
    const argTexts = (args ?? []).map((a) => a.text);
    if (def.params && !def.variadic && argTexts.length !== def.params.length && !(def.params.length === 0 && argTexts.length === 0)) {
      return undefined;
    }
    const key = `${name}\u0000${argTexts.join('\u0001')}`;
    // The parsed expansion is cached; `interesting` is asked on every use: its answer may
    // change while the file is analysed (a function's summary becomes known), and a
    // function's expansion must not depend on which function expanded the macro first.
    const stmts = this.parsed(name, argTexts);
    return stmts && interesting(stmts) ? stmts : undefined;
  }

  /** The parsed, substituted body of `name(args)` (cached per table). */
  private parsed(name: string, argTexts: string[]): Node[] | null {
    const def = this.defs.get(name);
    if (!def) return null;
    const key = `${name}\u0000${argTexts.join('\u0001')}`;
    let stmts = this.expansions.get(key);
    if (stmts === undefined) {
      this.expansions.set(key, (stmts = this.substitute(def, argTexts) ?? null));
      if (stmts?.length) this.sources.set(stmts[0].tree, { name, args: argTexts });
    }
    return stmts;
  }

  /** Which expansion a tree holds (undefined: not one of this table's). */
  sourceOf(tree: Tree): { name: string; args: string[] } | undefined {
    return this.sources.get(tree);
  }

  /** The root of the tree holding the expansion of `name(args)`, parsed if needed. */
  expansionRoot(name: string, args: string[]): Node | undefined {
    const stmts = this.parsed(name, args);
    return stmts?.length ? stmts[0].tree.rootNode : undefined;
  }

  private parse(text: string): Node[] | undefined {
    let tree: Tree;
    try {
      tree = parseC(WRAP_HEAD + text + WRAP_TAIL);
    } catch (e) {
      // The parser trapped twice on the body (parser.ts): the macro is left alone, like one that does not parse.
      if (e instanceof CParseError) return undefined;
      throw e;
    }
    this.trees.push(tree);
    return statementsOf(tree);
  }

  private substitute(def: MacroDef, args: string[]): Node[] | undefined {
    const params = def.params ?? [];
    if (!params.length && !def.variadic) return this.parse(def.body);
    const first = this.parse(def.body);
    if (!first) return undefined;
    const tree = this.trees[this.trees.length - 1];
    const offset = WRAP_HEAD.length;
    const value = (name: string): string | undefined => {
      const i = params.indexOf(name);
      if (i >= 0) return args[i] ?? '';
      if (name === '__VA_ARGS__' && def.variadic) return args.slice(params.length).join(', ');
      return undefined;
    };
    const edits: Array<[number, number, string]> = [];
    for (const id of tree.rootNode.descendantsOfType('identifier')) {
      if (!id) continue;
      const v = value(id.text);
      if (v === undefined) continue;
      const simple = /^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$/.test(v.trim());
      edits.push([id.startIndex - offset, id.endIndex - offset, simple ? v.trim() : `(${v})`]);
    }
    if (!edits.length) return first;
    edits.sort((a, b) => b[0] - a[0]);
    let text = def.body;
    for (const [s, e, v] of edits) {
      if (s < 0 || e > text.length) return undefined;
      text = text.slice(0, s) + v + text.slice(e);
    }
    return this.parse(text);
  }

  dispose(): void {
    for (const t of this.trees) t.delete();
    this.trees.length = 0;
    this.expansions.clear();
    this.sources.clear();
    this.nodes.clear();
  }
}
