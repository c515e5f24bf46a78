// The C ownership analysis (after Clang's MallocChecker): every allocation
// site has a family (api.ts) and, along each path through the function's
// control-flow graph (cfg.ts), a state:
//
//   A  allocated, owned by this function
//   R  released by a deallocator
//   T  transferred (RETURN_STR(s), return p, add_assoc_str …)
//   E  escaped (stored in a field / global / out-parameter, passed to a function
//      we do not know): someone else may free it, so we stay silent
//   N  NULL: the allocation failed on this path (if (!p) return;)
//   L  lost: its last holder was overwritten (already reported there)
//   C  consumed by realloc/erealloc (moved into the new block)
//
// The analysis is a worklist over sets of path states: a path state holds the
// site states, the variables bound to sites, and the outcome of the side-effect
// free conditions the path took (so `if (flag) p = emalloc(); … if (flag)
// efree(p);` is understood). A site still A at an exit leaks on that path.
import type { Node, Tree } from 'web-tree-sitter';
import {
  ALLOCATORS,
  COPIES,
  DEALLOCATORS,
  FAMILIES,
  NORETURN,
  READERS,
  TRANSFERS,
  type Allocator,
  type Family,
} from './api';
import { buildCfg, calleeName, constValue, strip, type Cfg, type ExitKind } from './cfg';
import { parseC } from './parser';
import { findUnits, type FunctionUnit } from './units';

export type AllocState = 'A' | 'R' | 'T' | 'E' | 'N' | 'L' | 'C';

export interface AllocSite {
  id: number;
  /** The allocation call expression. */
  call: Node;
  /** The callee identifier (malloc in `malloc(n)`). */
  callee: Node;
  fn: string;
  family: Family;
  /** The variable the block was stored in. */
  variable: string;
  /** Size in bytes when the size arguments are constant expressions. */
  sizeBytes?: number;
}

export interface LeakPoint {
  kind: ExitKind | 'overwrite';
  /** The exit statement (return, RETURN_* statement), the function body for 'end', the assignment for 'overwrite'. */
  node: Node;
  /** The CFG exit node (absent for 'overwrite'). */
  cfgNode?: number;
}

export interface SiteReport {
  site: AllocSite;
  leaks: LeakPoint[];
  /** Released, transferred or escaped on at least one path. */
  handledSomewhere: boolean;
  /** Escaped or transferred on some path (its owner may free it with another deallocator). */
  leftFunction: boolean;
  /** realloc-like calls consumed it on some path. */
  reallocated: boolean;
  /** Deallocator calls that released it. */
  releases: Node[];
  /**
   * For each leaking exit: whether inserting `release(var);` before it is safe
   * (on every path reaching the exit the variable holds this block or NULL).
   */
  insertSafe: Map<number, boolean>;
}

export interface DeallocEvent {
  call: Node;
  fn: string;
  /** The states of the released argument on the paths reaching the call; site undefined: not a tracked block. */
  seen: Array<{ site?: AllocSite; state?: AllocState }>;
  /** Family the call releases, resolved from its persistent flag when it has one (undefined: unknown flag). */
  families?: Family[];
}

export interface UnitAnalysis {
  unit: FunctionUnit;
  cfg?: Cfg;
  sites: SiteReport[];
  deallocs: DeallocEvent[];
  /** Why the unit was not analysed (syntax errors, too many paths). */
  skipped?: string;
  /** Local variables declared more than once (shadowing): no insertion fixes for them. */
  shadowed: Set<string>;
  /** The compound statement declaring each local (the body for parameters). */
  scopes: Map<string, Node>;
}

export interface OwnershipAnalysis {
  units: UnitAnalysis[];
  dispose(): void;
}

// ---------------------------------------------------------------- path states

class PState {
  constructor(
    readonly sites: Map<number, AllocState> = new Map(),
    readonly vars: Map<string, number> = new Map(),
    readonly conds: Map<string, boolean> = new Map(),
  ) {}

  clone(): PState {
    return new PState(new Map(this.sites), new Map(this.vars), new Map(this.conds));
  }

  key(): string {
    const s = [...this.sites].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}${v}`).join(',');
    const v = [...this.vars].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, x]) => `${k}=${x}`).join(',');
    const c = [...this.conds].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, x]) => `${k}:${x ? 1 : 0}`).join('\u0001');
    return `${s}|${v}|${c}`;
  }
}

const MAX_STATES_PER_NODE = 64;
const MAX_STEPS = 200_000;

class TooComplex extends Error {}

function argsOf(call: Node): Node[] {
  const list = call.childForFieldName('arguments');
  return list ? list.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') : [];
}

/** The pointer a member or element access starts from: p in `p->a.b`, `p[i].c`. */
function baseOf(n: Node): Node | null {
  let cur = strip(n);
  for (let i = 0; cur && i < 16; i++) {
    if (cur.type === 'field_expression' || cur.type === 'subscript_expression') cur = strip(cur.childForFieldName('argument'));
    else break;
  }
  return cur;
}

function firstNamed(n: Node): Node | null {
  return n.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
}

/** Name of the variable a declarator declares. */
function declaratorName(decl: Node | null): string | undefined {
  let d = decl;
  for (let i = 0; d && i < 16; i++) {
    if (d.type === 'identifier') return d.text;
    const next: Node | null = d.childForFieldName('declarator');
    d = next ?? (d.type === 'parenthesized_declarator' ? firstNamed(d) : null);
  }
  return undefined;
}

function sizeOf(alloc: Allocator, args: Node[]): number | undefined {
  const s = alloc.size;
  if (!s) return undefined;
  const v = (i: number) => (i < args.length ? sizeConst(args[i]) : undefined);
  if (s.kind === 'arg') return v(s.index);
  if (s.kind === 'product') {
    let p = 1;
    for (const i of s.indexes) {
      const x = v(i);
      if (x === undefined) return undefined;
      p *= x;
    }
    return p;
  }
  const n = v(s.nmemb);
  const z = v(s.size);
  const o = v(s.offset);
  return n === undefined || z === undefined || o === undefined ? undefined : n * z + o;
}

function sizeConst(n: Node): number | undefined {
  const e = strip(n);
  if (e?.type === 'sizeof_expression') {
    const t = e.childForFieldName('type')?.text.replace(/\s+/g, ' ');
    if (t === 'char' || t === 'unsigned char' || t === 'signed char') return 1;
    return undefined;
  }
  if (e?.type === 'binary_expression') {
    const a = sizeConst(e.childForFieldName('left')!);
    const b = sizeConst(e.childForFieldName('right')!);
    const op = e.childForFieldName('operator')?.type;
    if (a === undefined || b === undefined) return undefined;
    if (op === '*') return a * b;
    if (op === '+') return a + b;
    if (op === '-') return a - b;
    if (op === '<<') return a * 2 ** b;
    return constValue(e);
  }
  return constValue(e);
}

/** The family of an allocation call, or undefined when its persistent flag is not a constant. */
function familyOf(alloc: Allocator, args: Node[]): Family | undefined {
  if (typeof alloc.family === 'string') return alloc.family;
  if (alloc.persistentArg === undefined || alloc.persistentArg >= args.length) return undefined;
  const v = constValue(args[alloc.persistentArg]);
  if (v === undefined) return undefined;
  return v ? alloc.family[1] : alloc.family[0];
}

function deallocFamilies(fn: string, args: Node[]): Family[] | undefined {
  const d = DEALLOCATORS[fn];
  if (!d) return undefined;
  if (d.persistentArg === undefined) return d.families as Family[];
  if (d.persistentArg >= args.length) return undefined;
  const v = constValue(args[d.persistentArg]);
  if (v === undefined) return undefined;
  const pair = d.families as [Family[], Family[]];
  return v ? pair[1] : pair[0];
}

type Mode = 'read' | 'escape' | 'transfer';

class UnitAnalyzer {
  private readonly sitesByCall = new Map<number, AllocSite>();
  private readonly sites: AllocSite[] = [];
  private readonly leaks = new Map<number, Map<string, LeakPoint>>();
  private readonly handled = new Set<number>();
  private readonly left = new Set<number>();
  private readonly reallocated = new Set<number>();
  private readonly releases = new Map<number, Map<number, Node>>();
  private readonly deallocs = new Map<number, DeallocEvent>();
  private readonly exitStates = new Map<number, PState[]>();
  readonly locals = new Set<string>();
  readonly shadowed = new Set<string>();
  readonly scopes = new Map<string, Node>();
  private memo = true;
  private condIdents = new Map<string, Set<string>>();

  constructor(
    readonly unit: FunctionUnit,
    readonly cfg: Cfg,
  ) {
    for (const p of unit.params) {
      this.locals.add(p);
      this.scopes.set(p, unit.body);
    }
    for (const d of unit.body.descendantsOfType('declaration')) {
      if (!d) continue;
      const storage = d.children.some(
        (c) => c?.type === 'storage_class_specifier' && (c.text === 'static' || c.text === 'extern'),
      );
      for (const decl of d.childrenForFieldName('declarator')) {
        const target = decl?.type === 'init_declarator' ? decl.childForFieldName('declarator') : decl;
        if (target?.type === 'function_declarator') continue;
        const name = declaratorName(target ?? null);
        if (!name) continue;
        if (storage) {
          // A static local lives across requests: storing into it is an escape.
          this.shadowed.add(name);
          continue;
        }
        if (this.scopes.has(name)) this.shadowed.add(name);
        let scope: Node | null = d.parent;
        while (scope && scope.type !== 'compound_statement') scope = scope.parent;
        // A `for (int i = …)` declaration is scoped to the loop: no insertion there.
        if (d.parent?.type === 'for_statement') this.shadowed.add(name);
        this.scopes.set(name, scope ?? unit.body);
        this.locals.add(name);
      }
    }
    for (const s of this.shadowed) if (!this.scopes.has(s)) this.locals.delete(s);
  }

  run(): UnitAnalysis {
    try {
      this.solve();
    } catch (e) {
      if (!(e instanceof TooComplex)) throw e;
      this.memo = false;
      this.resetResults();
      try {
        this.solve();
      } catch (e2) {
        if (!(e2 instanceof TooComplex)) throw e2;
        return this.emptyResult('too many paths');
      }
    }
    return this.result();
  }

  private emptyResult(skipped: string): UnitAnalysis {
    return { unit: this.unit, cfg: this.cfg, sites: [], deallocs: [], skipped, shadowed: this.shadowed, scopes: this.scopes };
  }

  private resetResults(): void {
    this.leaks.clear();
    this.handled.clear();
    this.left.clear();
    this.reallocated.clear();
    this.releases.clear();
    this.deallocs.clear();
    this.exitStates.clear();
  }

  private solve(): void {
    const seen = new Map<number, Set<string>>();
    const queue: Array<[number, PState]> = [[this.cfg.entry, new PState()]];
    let steps = 0;
    while (queue.length) {
      const [id, st] = queue.pop()!;
      const key = st.key();
      let s = seen.get(id);
      if (!s) seen.set(id, (s = new Set()));
      if (s.has(key)) continue;
      s.add(key);
      if (s.size > MAX_STATES_PER_NODE || ++steps > MAX_STEPS) throw new TooComplex();
      const node = this.cfg.nodes[id];
      switch (node.kind) {
        case 'entry':
        case 'noop':
          for (const n of node.succ) queue.push([n, st]);
          break;
        case 'branch': {
          if (node.preproc && this.memo) {
            // #if X … #endif … #if X: both blocks are compiled or neither is.
            const { key, mainWhen } = node.preproc;
            const known = st.conds.get(key);
            node.succ.forEach((n, i) => {
              const value = i === 0 ? mainWhen : !mainWhen;
              if (known !== undefined && known !== value) return;
              const out = st.clone();
              out.conds.set(key, value);
              queue.push([n, out]);
            });
            break;
          }
          let out = st;
          if (node.ast && node.ast.type !== 'expression_statement') {
            out = st.clone();
            this.eval(node.ast, out, 'read');
          }
          for (const n of node.succ) queue.push([n, out]);
          break;
        }
        case 'stmt': {
          const out = st.clone();
          if (node.ast) this.eval(node.ast, out, 'read');
          for (const n of node.succ) queue.push([n, out]);
          break;
        }
        case 'cond': {
          const base = st.clone();
          if (node.ast) this.eval(node.ast, base, 'read');
          const known = node.ast ? this.known(node.ast, base) : undefined;
          for (const truth of [true, false]) {
            if (known !== undefined && known !== truth) continue;
            const out = base.clone();
            if (node.ast) {
              this.refine(node.ast, truth, out);
              this.learn(node.ast, truth, out);
            }
            queue.push([node.succ[truth ? 0 : 1], out]);
          }
          break;
        }
        case 'exit': {
          const out = st.clone();
          if (node.value) this.eval(node.value, out, node.exitKind === 'return' ? 'transfer' : 'read');
          let list = this.exitStates.get(id);
          if (!list) this.exitStates.set(id, (list = []));
          list.push(out);
          for (const [site, state] of out.sites) {
            if (state === 'A') this.leak(site, { kind: node.exitKind ?? 'end', node: node.ast!, cfgNode: id });
          }
          break;
        }
      }
    }
  }

  private leak(site: number, p: LeakPoint): void {
    let m = this.leaks.get(site);
    if (!m) this.leaks.set(site, (m = new Map()));
    const k = `${p.kind}:${p.node.startIndex}`;
    if (!m.has(k)) m.set(k, p);
  }

  private result(): UnitAnalysis {
    const sites: SiteReport[] = [];
    for (const site of this.sites) {
      const at = (p: LeakPoint) => (p.kind === 'end' ? p.node.endIndex - 1 : p.node.startIndex);
      const leaks = [...(this.leaks.get(site.id)?.values() ?? [])].sort((a, b) => at(a) - at(b));
      const insertSafe = new Map<number, boolean>();
      const okStates: AllocState[] = site.family === 'zend-string' || site.family === 'zend-string-persistent' ? ['A'] : ['A', 'N'];
      for (const l of leaks) {
        if (l.cfgNode === undefined) continue;
        const states = this.exitStates.get(l.cfgNode) ?? [];
        insertSafe.set(
          l.cfgNode,
          states.every((st) => st.vars.get(site.variable) === site.id && okStates.includes(st.sites.get(site.id)!)),
        );
      }
      sites.push({
        site,
        leaks,
        handledSomewhere: this.handled.has(site.id),
        leftFunction: this.left.has(site.id),
        reallocated: this.reallocated.has(site.id),
        releases: [...(this.releases.get(site.id)?.values() ?? [])],
        insertSafe,
      });
    }
    return {
      unit: this.unit,
      cfg: this.cfg,
      sites,
      deallocs: [...this.deallocs.values()],
      shadowed: this.shadowed,
      scopes: this.scopes,
    };
  }

  // ------------------------------------------------------------ conditions

  /** A condition remembered along a path: no calls, no assignments, only local variables. */
  private condKey(cond: Node): string | undefined {
    const idents = new Set<string>();
    const stack = [cond];
    while (stack.length) {
      const n = stack.pop()!;
      if (
        n.type === 'call_expression' ||
        n.type === 'assignment_expression' ||
        n.type === 'update_expression' ||
        n.type === 'ERROR'
      )
        return undefined;
      if (n.type === 'identifier') {
        if (!this.locals.has(n.text)) return undefined;
        idents.add(n.text);
      }
      for (const c of n.children) if (c) stack.push(c);
    }
    const key = cond.text.replace(/\s+/g, ' ');
    this.condIdents.set(key, idents);
    return key;
  }

  /**
   * The outcome of a condition when this path already decides it: a remembered
   * condition, `!c`, `a && b`, `a || b`, or a pointer this function just
   * allocated compared with another pointer (`if (url != host) efree(url);`).
   */
  private known(cond: Node, st: PState): boolean | undefined {
    const e = strip(cond);
    if (!e) return undefined;
    const ck = this.memo ? this.condKey(e) : undefined;
    if (ck !== undefined && st.conds.has(ck)) return st.conds.get(ck);
    if (e.type === 'unary_expression' && e.childForFieldName('operator')?.text === '!') {
      const v = this.known(e.childForFieldName('argument')!, st);
      return v === undefined ? undefined : !v;
    }
    if (e.type === 'call_expression') {
      const f = calleeName(e);
      const args = argsOf(e);
      if ((f === 'UNEXPECTED' || f === 'EXPECTED') && args.length === 1) return this.known(args[0], st);
      return undefined;
    }
    if (e.type !== 'binary_expression') return undefined;
    const op = e.childForFieldName('operator')?.text;
    const l = e.childForFieldName('left');
    const r = e.childForFieldName('right');
    if (!l || !r) return undefined;
    if (op === '&&' || op === '||') {
      const a = this.known(l, st);
      const b = this.known(r, st);
      const stop = op === '||'; // the value that decides the whole condition
      if (a === stop || b === stop) return stop;
      return a === !stop && b === !stop ? !stop : undefined;
    }
    if (op === '==' || op === '!=') {
      // A block this path allocated (state A) differs from any pointer not bound to it.
      const a = strip(l);
      const b = strip(r);
      if (a?.type !== 'identifier' || b?.type !== 'identifier') return undefined;
      const sa = st.vars.get(a.text);
      const sb = st.vars.get(b.text);
      const fresh = (s: number | undefined) => s !== undefined && st.sites.get(s) === 'A';
      if (sa === sb || !(fresh(sa) || fresh(sb))) return undefined;
      return op === '!=';
    }
    return undefined;
  }

  /** Remembers the outcome of a condition (and of its parts when `&&` is true / `||` is false). */
  private learn(cond: Node, truth: boolean, st: PState): void {
    if (!this.memo) return;
    const e = strip(cond);
    if (!e) return;
    const ck = this.condKey(e);
    if (ck !== undefined) st.conds.set(ck, truth);
    if (e.type === 'unary_expression' && e.childForFieldName('operator')?.text === '!') {
      this.learn(e.childForFieldName('argument')!, !truth, st);
    } else if (e.type === 'binary_expression') {
      const op = e.childForFieldName('operator')?.text;
      if ((op === '&&' && truth) || (op === '||' && !truth)) {
        for (const f of ['left', 'right']) {
          const c = e.childForFieldName(f);
          if (c) this.learn(c, truth, st);
        }
      }
    }
  }

  /** `flag = 1;` / `bool flag = false;`: the path knows `flag` (and `!flag`) until flag changes. */
  private learnConstant(st: PState, name: string, value: Node): void {
    if (!this.memo) return;
    const v = constValue(value);
    if (v === undefined) return;
    for (const [key, truth] of [[name, v !== 0], [`!${name}`, v === 0]] as const) {
      this.condIdents.set(key, new Set([name]));
      st.conds.set(key, truth);
    }
  }

  private forget(st: PState, variable: string): void {
    for (const k of [...st.conds.keys()]) if (this.condIdents.get(k)?.has(variable)) st.conds.delete(k);
  }

  /** Narrows the path state by the outcome of a condition (NULL checks). */
  private refine(cond: Node, truth: boolean, st: PState): void {
    const e = strip(cond);
    if (!e) return;
    switch (e.type) {
      case 'identifier': {
        const site = st.vars.get(e.text);
        if (site !== undefined && !truth && st.sites.get(site) === 'A') st.sites.set(site, 'N');
        return;
      }
      case 'assignment_expression': {
        const l = strip(e.childForFieldName('left'));
        if (l?.type === 'identifier' && e.childForFieldName('operator')?.text === '=') this.refine(l, truth, st);
        return;
      }
      case 'unary_expression':
        if (e.childForFieldName('operator')?.text === '!') this.refine(e.childForFieldName('argument')!, !truth, st);
        return;
      case 'call_expression': {
        const f = calleeName(e);
        const args = argsOf(e);
        if ((f === 'UNEXPECTED' || f === 'EXPECTED') && args.length === 1) this.refine(args[0], truth, st);
        return;
      }
      case 'binary_expression': {
        const op = e.childForFieldName('operator')?.text;
        const l = e.childForFieldName('left');
        const r = e.childForFieldName('right');
        if (!l || !r) return;
        if (op === '&&') {
          if (truth) {
            this.refine(l, true, st);
            this.refine(r, true, st);
          }
          return;
        }
        if (op === '||') {
          if (!truth) {
            this.refine(l, false, st);
            this.refine(r, false, st);
          }
          return;
        }
        if (op === '==' || op === '!=') {
          const isNull = (n: Node) => constValue(n) === 0;
          const other = isNull(r) ? l : isNull(l) ? r : undefined;
          if (!other) return;
          // p == NULL is `!p`; p != NULL is `p`.
          this.refine(other, op === '==' ? !truth : truth, st);
        }
        return;
      }
      default:
        return;
    }
  }

  // ------------------------------------------------------------ effects

  private setState(st: PState, site: number, to: AllocState): void {
    const cur = st.sites.get(site);
    if (cur !== 'A') return;
    st.sites.set(site, to);
    if (to === 'R' || to === 'T' || to === 'E') this.handled.add(site);
    if (to === 'T' || to === 'E') this.left.add(site);
  }

  private boundSite(n: Node | null | undefined, st: PState): number | undefined {
    const e = strip(n);
    return e?.type === 'identifier' ? st.vars.get(e.text) : undefined;
  }

  private eval(n: Node, st: PState, mode: Mode): void {
    switch (n.type) {
      case 'identifier': {
        const site = st.vars.get(n.text);
        if (site === undefined) return;
        if (mode === 'escape') this.setState(st, site, 'E');
        else if (mode === 'transfer') this.setState(st, site, 'T');
        return;
      }
      case 'parenthesized_expression': {
        const inner = firstNamed(n);
        if (inner) this.eval(inner, st, mode);
        return;
      }
      case 'cast_expression': {
        const v = n.childForFieldName('value');
        if (v) this.eval(v, st, mode);
        return;
      }
      case 'pointer_expression': {
        const arg = n.childForFieldName('argument');
        if (!arg) return;
        if (n.childForFieldName('operator')?.text === '&') {
          const a = strip(arg);
          if (a?.type === 'identifier') {
            // Its address is taken: it may be changed or freed through it.
            const site = st.vars.get(a.text);
            if (site !== undefined) this.setState(st, site, 'E');
            if (this.locals.has(a.text)) {
              st.vars.delete(a.text);
              this.forget(st, a.text);
            }
            return;
          }
          // `&p->member` returned or transferred: the whole block goes with it
          // (zend objects: `return &intern->std;`, zend_object_std_init(&intern->std, ce)).
          // Passed to an unknown function it stays owned: zend_hash_init(&p->ht, …).
          if (mode === 'transfer') {
            const site = this.boundSite(baseOf(arg), st);
            if (site !== undefined) this.setState(st, site, 'T');
          }
          this.eval(arg, st, 'escape');
          return;
        }
        this.eval(arg, st, 'read');
        return;
      }
      case 'field_expression': {
        const a = n.childForFieldName('argument');
        if (a) this.eval(a, st, n.childForFieldName('operator')?.text === '.' ? mode : 'read');
        return;
      }
      case 'subscript_expression': {
        const a = n.childForFieldName('argument');
        const i = n.childForFieldName('index');
        if (a) this.eval(a, st, 'read');
        if (i) this.eval(i, st, 'read');
        return;
      }
      case 'binary_expression': {
        const op = n.childForFieldName('operator')?.text;
        const m: Mode = op === '+' || op === '-' ? (mode === 'read' ? 'read' : 'escape') : 'read';
        for (const f of ['left', 'right']) {
          const c = n.childForFieldName(f);
          if (c) this.eval(c, st, m);
        }
        return;
      }
      case 'unary_expression': {
        const a = n.childForFieldName('argument');
        if (a) this.eval(a, st, 'read');
        return;
      }
      case 'update_expression': {
        const a = strip(n.childForFieldName('argument'));
        if (a?.type === 'identifier') {
          const site = st.vars.get(a.text);
          if (site !== undefined) {
            this.setState(st, site, 'E');
            st.vars.delete(a.text);
          }
          this.forget(st, a.text);
        } else if (a) this.eval(a, st, 'read');
        return;
      }
      case 'conditional_expression': {
        const c = n.childForFieldName('condition');
        if (c) this.eval(c, st, 'read');
        const m: Mode = mode === 'read' ? 'read' : 'escape';
        for (const f of ['consequence', 'alternative']) {
          const x = n.childForFieldName(f);
          if (x) this.eval(x, st, m);
        }
        return;
      }
      case 'comma_expression': {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (l) this.eval(l, st, 'read');
        if (r) this.eval(r, st, mode);
        return;
      }
      case 'assignment_expression':
        this.assign(n, st);
        return;
      case 'call_expression':
        this.call(n, st, undefined);
        return;
      case 'declaration':
        this.declare(n, st);
        return;
      case 'number_literal':
      case 'string_literal':
      case 'concatenated_string':
      case 'char_literal':
      case 'true':
      case 'false':
      case 'null':
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
      case 'comment':
      case 'field_identifier':
      case 'type_descriptor':
        return;
      default:
        // initializer lists, compound literals, anything unfamiliar: whatever
        // tracked pointer flows in may be kept elsewhere.
        for (const c of n.namedChildren) if (c) this.eval(c, st, 'escape');
        return;
    }
  }

  private declare(d: Node, st: PState): void {
    const storage = d.children.some(
      (c) => c?.type === 'storage_class_specifier' && (c.text === 'static' || c.text === 'extern'),
    );
    for (const decl of d.childrenForFieldName('declarator')) {
      if (!decl) continue;
      if (decl.type !== 'init_declarator') {
        const name = declaratorName(decl);
        if (name && this.locals.has(name) && !storage) {
          st.vars.delete(name);
          this.forget(st, name);
        }
        continue;
      }
      const name = declaratorName(decl.childForFieldName('declarator'));
      const value = decl.childForFieldName('value');
      if (!value) continue;
      if (!name || storage || !this.locals.has(name)) {
        this.storeElsewhere(value, st);
        continue;
      }
      this.bind(name, value, st, decl);
    }
  }

  private assign(n: Node, st: PState): void {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (!left || !right) return;
    const op = n.childForFieldName('operator')?.text;
    const l = strip(left);
    if (op !== '=') {
      this.eval(right, st, 'read');
      if (l?.type === 'identifier') {
        const site = st.vars.get(l.text);
        if (site !== undefined) {
          this.setState(st, site, 'E');
          st.vars.delete(l.text);
        }
        this.forget(st, l.text);
      } else if (l) this.eval(l, st, 'read');
      return;
    }
    if (l?.type === 'identifier' && this.locals.has(l.text)) {
      this.bind(l.text, right, st, n);
      return;
    }
    // A field, a global, *out, an array element: the block is kept elsewhere.
    if (l) this.eval(l, st, 'read');
    this.storeElsewhere(right, st);
  }

  /** `x->f = value`, `global = value`: tracked pointers in value escape; a direct allocation is not tracked. */
  private storeElsewhere(value: Node, st: PState): void {
    const r = strip(value);
    if (r?.type === 'call_expression') this.call(r, st, undefined);
    else this.eval(value, st, 'escape');
  }

  /** `name = value` for a local variable. */
  private bind(name: string, value: Node, st: PState, at: Node): void {
    const old = st.vars.get(name);
    const r = strip(value);
    let next: number | undefined;
    if (r?.type === 'call_expression') {
      next = this.call(r, st, name);
    } else if (r?.type === 'identifier') {
      next = st.vars.get(r.text);
    } else {
      this.eval(value, st, 'escape');
    }
    if (old !== undefined && old !== next && st.sites.get(old) === 'A') {
      const stillHeld = [...st.vars].some(([v, s]) => v !== name && s === old);
      if (!stillHeld) {
        this.leak(old, { kind: 'overwrite', node: at });
        st.sites.set(old, 'L');
      }
    }
    if (next === undefined) st.vars.delete(name);
    else st.vars.set(name, next);
    this.forget(st, name);
    this.learnConstant(st, name, value);
  }

  private site(call: Node, callee: Node, fn: string, family: Family, variable: string, alloc: Allocator, args: Node[]): AllocSite {
    let s = this.sitesByCall.get(call.startIndex);
    if (!s) {
      s = { id: this.sites.length, call, callee, fn, family, variable, sizeBytes: sizeOf(alloc, args) };
      this.sitesByCall.set(call.startIndex, s);
      this.sites.push(s);
    }
    return s;
  }

  /**
   * Evaluates a call. When `target` names the local variable receiving the
   * result and the call allocates, returns the new site bound to it.
   */
  private call(n: Node, st: PState, target: string | undefined): number | undefined {
    const callee = n.childForFieldName('function');
    const args = argsOf(n);
    if (callee?.type !== 'identifier') {
      if (callee) this.eval(callee, st, 'read');
      for (const a of args) this.eval(a, st, 'escape');
      return undefined;
    }
    const fn = callee.text;
    const alloc = ALLOCATORS[fn];
    if (alloc) {
      args.forEach((a, i) => {
        if (i === alloc.reallocArg) {
          const old = this.boundSite(a, st);
          if (old !== undefined && st.sites.get(old) === 'A') {
            st.sites.set(old, 'C');
            this.handled.add(old);
            this.reallocated.add(old);
          } else this.eval(a, st, 'read');
        } else if (i === alloc.outArg) {
          // handled below
        } else this.eval(a, st, 'read');
      });
      const family = familyOf(alloc, args);
      if (alloc.outArg !== undefined) {
        const a = strip(args[alloc.outArg]);
        const v = a?.type === 'pointer_expression' && a.childForFieldName('operator')?.text === '&' ? strip(a.childForFieldName('argument')) : null;
        if (v?.type === 'identifier' && this.locals.has(v.text) && family) {
          const s = this.site(n, callee, fn, family, v.text, alloc, args);
          const old = st.vars.get(v.text);
          if (old !== undefined && old !== s.id && st.sites.get(old) === 'A' && ![...st.vars].some(([x, y]) => x !== v.text && y === old)) {
            this.leak(old, { kind: 'overwrite', node: n });
            st.sites.set(old, 'L');
          }
          st.vars.set(v.text, s.id);
          st.sites.set(s.id, 'A');
          this.forget(st, v.text);
        } else if (args[alloc.outArg]) this.eval(args[alloc.outArg], st, 'escape');
        return undefined;
      }
      if (target === undefined || !family) return undefined;
      const s = this.site(n, callee, fn, family, target, alloc, args);
      // The same site allocating again (a loop) while its previous block is still owned: that block is lost.
      if (st.sites.get(s.id) === 'A' && ![...st.vars].some(([v, x]) => v !== target && x === s.id)) {
        this.leak(s.id, { kind: 'overwrite', node: n.parent ?? n });
      }
      st.sites.set(s.id, 'A');
      return s.id;
    }
    const dealloc = DEALLOCATORS[fn];
    if (dealloc) {
      args.forEach((a, i) => {
        if (i !== dealloc.arg) this.eval(a, st, 'read');
      });
      const a = args[dealloc.arg];
      const ev = this.deallocEvent(n, fn, args);
      const site = this.boundSite(a, st);
      if (site === undefined) {
        ev.seen.push({});
        if (a) this.eval(a, st, 'escape');
        return undefined;
      }
      const state = st.sites.get(site);
      ev.seen.push({ site: this.sites[site], state });
      if (state === 'A') {
        st.sites.set(site, 'R');
        this.handled.add(site);
        let m = this.releases.get(site);
        if (!m) this.releases.set(site, (m = new Map()));
        m.set(n.startIndex, n);
      }
      return undefined;
    }
    const transfer = TRANSFERS[fn];
    const copy = COPIES[fn];
    let moved: number | undefined;
    if (transfer) moved = transfer.arg;
    else if (copy && copy.dupArg !== undefined && copy.dupArg < args.length && constValue(args[copy.dupArg]) === 0) {
      moved = copy.arg; // PHP 5: RETURN_STRING(s, 0) takes ownership of s
    }
    if (transfer || copy || READERS.has(fn) || NORETURN.has(fn) || /^(RETURN|RETVAL)_/.test(fn)) {
      args.forEach((a, i) => this.eval(a, st, i === moved ? 'transfer' : 'read'));
      return undefined;
    }
    // An unknown function or macro may keep what it is given.
    for (const a of args) this.eval(a, st, 'escape');
    return undefined;
  }

  private deallocEvent(n: Node, fn: string, args: Node[]): DeallocEvent {
    let ev = this.deallocs.get(n.startIndex);
    if (!ev) this.deallocs.set(n.startIndex, (ev = { call: n, fn, seen: [], families: deallocFamilies(fn, args) }));
    return ev;
  }
}

function hasErrorNode(n: Node): boolean {
  return n.descendantsOfType('ERROR').length > 0 || n.isError;
}

/** Analyses one function unit. Never throws on odd syntax: units with ERROR nodes are skipped. */
export function analyzeUnit(unit: FunctionUnit): UnitAnalysis {
  if (hasErrorNode(unit.body)) {
    return { unit, sites: [], deallocs: [], skipped: 'syntax errors', shadowed: new Set(), scopes: new Map() };
  }
  const cfg = buildCfg(unit.body);
  return new UnitAnalyzer(unit, cfg).run();
}

/** Parses and analyses a C document. The caller (ctx.shared) disposes it, which deletes the tree. */
export function analyzeOwnership(text: string): OwnershipAnalysis {
  let tree: Tree | undefined = parseC(text);
  try {
    const units = findUnits(tree.rootNode).map(analyzeUnit);
    return {
      units,
      dispose() {
        tree?.delete();
        tree = undefined;
      },
    };
  } catch (e) {
    tree.delete();
    throw e;
  }
}

export { FAMILIES };
