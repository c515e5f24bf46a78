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
  DISTINCT_TYPE_CONSTANTS,
  FAMILIES,
  NORETURN,
  READERS,
  STRING_CONSUMERS,
  TRANSFERS,
  ZVAL_MAKERS,
  ZVAL_SCALAR_SETTERS,
  ZVAL_TYPE_TESTS,
  type Allocator,
  type Family,
} from './api';
import { buildCfg, calleeName, constValue, strip, type Cfg, type CfgNode, type ExitKind, type MacroContext } from './cfg';
import { Recorder, cacheServes, reuse, store, unitKey } from './cache';
import { MacroTable } from './macros';
import { evalCondition } from './preprocess';
import { parseC, rememberTree } from './parser';
import { preparedEnabled, putPrepared, takePrepared } from './prepared';
import { calleesIn, fileGlobals, findUnits, type FunctionUnit } from './units';

export type AllocState = 'A' | 'R' | 'T' | 'E' | 'N' | 'L' | 'C';

/**
 * Where a node of a same-file macro's expansion (cfg.ts) comes from: its own
 * offsets are those of the macro's parsed body, not of the document, so findings
 * point at the invocation instead (plain data besides the node: cache.ts keeps it).
 */
export interface MacroVia {
  /** The macro invocation in the function's text (`FREE_BUF(p)`). */
  invocation: Node;
  /** The macro invoked there, then the macros expanded inside it, outermost first. */
  macros: string[];
}

export interface AllocSite {
  id: number;
  /** The allocation call expression (in a macro's parsed body when `via` is set: its offsets are not the document's). */
  call: Node;
  /** The callee identifier (malloc in `malloc(n)`). */
  callee: Node;
  /** Set when the call lies in the expansion of a same-file macro: report at `via.invocation`. */
  via?: MacroVia;
  fn: string;
  family: Family;
  /** The variable the block was stored in. */
  variable: string;
  /** Size in bytes when the size arguments are constant expressions. */
  sizeBytes?: number;
  /** A parameter's block (summaries only: never reported). */
  param?: number;
  /**
   * Process memory stored into a global or static variable by request code that
   * did not look at the variable first: the previous block is overwritten on
   * every call (reported by c-process-heap-leak).
   */
  global?: boolean;
  /** The allocation is a call to a function of the workspace summarised as an allocator. */
  viaSummary?: boolean;
  /** The variable receiving it was passed by address (`helper(&zv)` filling a zval): released by address. */
  byAddress?: boolean;
  /** Its own release function (API table), when not the family's. */
  release?: string;
  /**
   * A zval the caller gave (`return_value`, a `zval *` parameter) filled here (`array_init(return_value)`):
   * handed to the caller at the exits, lost only when overwritten first (RETURN_FALSE, ZVAL_UNDEF(zv)).
   */
  outZval?: boolean;
}

/** What a function does with a pointer parameter, on every path. */
export type ParamEffect =
  /** Released (families: the deallocators' families when they agree). */
  | { kind: 'release'; families?: Family[] }
  /** Handed over (returned, stored in a zval / hash…) or released. */
  | { kind: 'transfer' }
  /** Only read: the caller still owns it. */
  | { kind: 'read' };

/**
 * A pointer parameter the function fills with a fresh block the caller owns (`*out = emalloc(…)`,
 * `spprintf(out, …)`, `array_init(zv)` on a `zval *zv`): on every path, or only on those whose
 * result `failsWhen` says is a success (the API table's out-argument allocators' kinds).
 */
export interface OutFill {
  family: Family;
  failsWhen?: Allocator['failsWhen'];
}

/** A function's effect on its callers, derived from its own analysis (plain data: no syntax nodes). */
export interface FunctionSummary {
  /** Every return hands back a fresh block of this family (or NULL): its calls are allocations. */
  returns?: Family;
  /** By parameter index. */
  params: Array<ParamEffect | undefined>;
  /** By parameter index: the out-parameters it fills (absent when none). */
  fills?: Array<OutFill | undefined>;
  /** Declared static (not visible from other files). */
  isStatic: boolean;
}

export type SummaryLookup = (name: string) => FunctionSummary | undefined;

export interface LeakPoint {
  kind: ExitKind | 'overwrite';
  /**
   * The exit statement (return, RETURN_* statement), the function body for 'end', the assignment for
   * 'overwrite'; always a node of the function's text (the invoking statement for an exit or an
   * overwrite inside an expanded macro).
   */
  node: Node;
  /** Set when the exit or the overwrite lies in the expansion of a same-file macro. */
  via?: MacroVia;
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
  /** Deallocator calls that released it, as written in the function (the macro invocation for one inside an expanded macro). */
  releases: Node[];
  /**
   * For each leaking exit: whether inserting `release(var);` before it is safe
   * (on every path reaching the exit the variable holds this block or NULL).
   */
  insertSafe: Map<number, boolean>;
}

export interface DeallocEvent {
  /** The deallocator call (in a macro's parsed body when `via` is set: its offsets are not the document's). */
  call: Node;
  /** Set when the call lies in the expansion of a same-file macro: report at `via.invocation`. */
  via?: MacroVia;
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
  /** What callers may assume (plain C functions). */
  summary?: FunctionSummary;
}

export interface OwnershipAnalysis {
  units: UnitAnalysis[];
  /** Summaries of the file's plain C functions, by name. */
  summaries: Map<string, FunctionSummary>;
  /** The `#define` of a same-file macro the analysis expanded (for related locations). */
  macroDefinition(name: string): Node | undefined;
  /**
   * What summarizeFile would give for this text, derived from this analysis when it can be
   * without analysing again (undefined when not: a plain function's analysis got another
   * file's summary). The workspace seeds its per-file facts with it, so a sibling that
   * needs this file's summaries later does not analyse the file a second time.
   */
  standalone?: { defined: Set<string>; summaries?: Map<string, FunctionSummary> };
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

  /**
   * The state's identity for the worklist. Sites for which `irrelevant` says so (released,
   * handed over or lost blocks that no variable holds any more) are left out: nothing can
   * reach them again, so two states that differ only there behave the same. Without this,
   * each expansion of a macro like `s = estrndup(…); use(s); efree(s);` under its own `if`
   * doubles the states (2^n for n uses) until the function is given up as too complex.
   */
  key(irrelevant?: (site: number, state: AllocState) => boolean): string {
    let bound: Set<number> | undefined;
    const keep = ([k, v]: [number, AllocState]): boolean => {
      if (!irrelevant || !irrelevant(k, v)) return true;
      bound ??= new Set(this.vars.values());
      return bound.has(k);
    };
    const s = [...this.sites].filter(keep).sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}${v}`).join(',');
    const v = [...this.vars].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, x]) => `${k}=${x}`).join(',');
    const c = [...this.conds].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, x]) => `${k}:${x ? 1 : 0}`).join('\u0001');
    return `${s}|${v}|${c}`;
  }
}

/** `x = value` with a plain `=` into an identifier: the inner assignment of a chain `a->f = x = value`. */
function chainedLocal(r: Node | null | undefined): boolean {
  return r?.type === 'assignment_expression' && r.childForFieldName('operator')?.text === '=' && strip(r.childForFieldName('left'))?.type === 'identifier';
}

/** libc functions that return their first argument (the destination buffer). */
const RETURNS_FIRST_ARGUMENT = new Set(['memcpy', 'memmove', 'memset', 'strcpy', 'strncpy', 'strcat', 'strncat']);

/** Type constants of values a zval holds without a counted reference. */
const UNCOUNTED_TYPES = new Set(['IS_UNDEF', 'IS_NULL', 'IS_FALSE', 'IS_TRUE', 'IS_BOOL', '_IS_BOOL', 'IS_LONG', 'IS_DOUBLE']);

/**
 * Path-state key of a site made by the last call on the path that owns nothing when it throws
 * (api.ts `nothingOnException`): `#lc:<site>`. Any later call but a test macro drops it.
 */
const LAST_CALL = '#lc:';
/** `#ca:flag=<start>:<end>`: the flag holds that status condition (UnitAnalyzer.condAliases) on this path. */
const ALIAS = '#ca:';
/** Families whose blocks an unknown function only borrows (refcounted: a keeper takes its own reference). */
/** Out-parameter fills conditioned on the helper's result (session 7): off, see fills(). */
const CONDITIONED_FILLS = false;

const LENT_FAMILIES = new Set<string>(['zend-string-ref', 'zend-string']);
const EXCEPTION_NEUTRAL = new Set(['EG', 'EXPECTED', 'UNEXPECTED']);
function forgetLastCall(st: PState): void {
  for (const k of [...st.conds.keys()]) if (k.startsWith(LAST_CALL)) st.conds.delete(k);
}

const MAX_STATES_PER_NODE = 64;
const MAX_STEPS = 200_000;

class TooComplex extends Error {}

function hasTypeFacts(st: PState): boolean {
  for (const k of st.conds.keys()) if (k.startsWith('#ty:')) return true;
  return false;
}

function dropTypeFacts(st: PState): void {
  for (const k of [...st.conds.keys()]) if (k.startsWith('#ty:')) st.conds.delete(k);
}

/** Two type constants that cannot denote the same value. */
function distinctConstants(a: string, b: string): boolean {
  if (a === b) return false;
  if (DISTINCT_TYPE_CONSTANTS.has(a) && DISTINCT_TYPE_CONSTANTS.has(b)) return true;
  const na = Number(a);
  const nb = Number(b);
  return Number.isInteger(na) && Number.isInteger(nb) && na !== nb;
}

/**
 * Whether this occurrence of a zval variable leaves it unchanged: an argument of a READERS row
 * (`Z_TYPE_P(x)`, `Z_STRVAL_P(x)`) that is not itself assigned or addressed, an operand of a
 * comparison or `!`, or a condition. Anything else (`&x`, `x = …`, `convert_to_string(x)`,
 * `x->…`, a declarator) may change it.
 */
function pureZvalUse(n: Node): boolean {
  let cur: Node = n;
  let p = cur.parent;
  while (p?.type === 'parenthesized_expression') {
    cur = p;
    p = p.parent;
  }
  if (!p) return false;
  if (p.type === 'argument_list') {
    const call = p.parent;
    const f = call?.type === 'call_expression' ? calleeName(call) : undefined;
    if (!call || !f || !READERS.has(f)) return false;
    let c: Node = call;
    let q = c.parent;
    while (q?.type === 'parenthesized_expression') {
      c = q;
      q = q.parent;
    }
    if (!q) return true;
    if (q.type === 'assignment_expression' && q.childForFieldName('left')?.id === c.id) return false;
    if (q.type === 'update_expression') return false;
    if (q.type === 'pointer_expression' && q.childForFieldName('operator')?.text === '&') return false;
    return true;
  }
  if (p.type === 'binary_expression') {
    const op = p.childForFieldName('operator')?.text;
    return op === '==' || op === '!=' || op === '&&' || op === '||' || op === '<' || op === '>' || op === '<=' || op === '>=';
  }
  if (p.type === 'unary_expression') return p.childForFieldName('operator')?.text === '!';
  return ['if_statement', 'while_statement', 'do_statement', 'switch_statement', 'condition_clause'].includes(p.type);
}

/** Argument macros that expand to two arguments: `ZEND_STRL("k")` is `"k", sizeof("k") - 1`. */
const TWO_ARGUMENT_MACROS = new Set(['ZEND_STRL', 'ZEND_STRS']);

function argsOf(call: Node): Node[] {
  const list = call.childForFieldName('arguments');
  if (!list) return [];
  const out: Node[] = [];
  for (const c of list.namedChildren) {
    if (!c || c.type === 'comment') continue;
    out.push(c);
    if (c.type === 'call_expression') {
      const f = c.childForFieldName('function');
      if (f?.type === 'identifier' && TWO_ARGUMENT_MACROS.has(f.text)) out.push(c);
    }
  }
  return out;
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
  // A flag the file does not spell as a constant (`persistent`, `MYEXT_PERSISTENT`): the request
  // family, the one that leaks under every profile it can be (a persistent block is process memory).
  if (v === undefined) return alloc.family[0];
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

/** A `#if E` branch key (cfg.ts preprocKey) the configuration of preprocess.ts decides, else undefined. */
function configured(key: string): boolean | undefined {
  if (!key.startsWith('#if ')) return undefined;
  const v = evalCondition(key.slice(4));
  return v === undefined ? undefined : v !== 0;
}

/** An allocator whose result is its return value (not an out-argument, a bound variable or `fci.retval`). */
function directResult(a: Allocator): boolean {
  return a.outArg === undefined && a.bindArg === undefined && a.fciArg === undefined;
}

/** Accessors whose result is what the zval holds: handing it over hands over the zval's reference. */
const ZVAL_ACCESSORS = new Set<string>([
  'Z_OBJ', 'Z_OBJ_P', 'Z_STR', 'Z_STR_P', 'Z_ARR', 'Z_ARR_P', 'Z_ARRVAL', 'Z_ARRVAL_P', 'Z_COUNTED', 'Z_COUNTED_P',
  'Z_RES', 'Z_RES_P', 'Z_REFVAL', 'Z_REFVAL_P', 'Z_INDIRECT_P',
]);

class UnitAnalyzer {
  private readonly sitesByCall = new Map<string, AllocSite>();
  private readonly sites: AllocSite[] = [];
  private readonly leaks = new Map<number, Map<string, LeakPoint>>();
  private readonly handled = new Set<number>();
  private readonly left = new Set<number>();
  private readonly reallocated = new Set<number>();
  /** For PState.key(): a block no longer allocated here (not a parameter's or a global's) matters only while a variable holds it. */
  private readonly unreachableOnce = (sid: number, state: AllocState): boolean => {
    if (state === 'A') return false;
    const site = this.sites[sid];
    return !!site && site.param === undefined && !site.global;
  };
  private readonly releases = new Map<number, Map<string, Node>>();
  /** By call and released argument (a helper may release several arguments of one call). */
  private readonly deallocs = new Map<string, DeallocEvent>();
  private readonly exitStates = new Map<number, PState[]>();
  readonly locals = new Set<string>();
  readonly shadowed = new Set<string>();
  readonly scopes = new Map<string, Node>();
  private memo = true;
  /**
   * The second try of a function with too many path states: only conditions over flag
   * variables are remembered (`free_x = 1;` … `if (free_x) efree(x);`), no zval type facts
   * and no `#if` correlations. Flags take few values, so this rarely multiplies the states.
   */
  private flagsOnly = false;
  /** Locals only ever assigned integer constants (never `&v`, `v++`, `v += …`): flags. */
  private flagVarSet?: Set<string>;
  private condIdents = new Map<string, Set<string>>();
  /** Zval type tests (`Z_TYPE_P(x)`) tested in two places or more: the only ones remembered. */
  private retested?: Set<string>;
  /** Their zval variables, and per CFG node those of them it may change. */
  private typeVars = new Set<string>();
  private readonly typeDirty = new Map<number, Set<string>>();
  /** CFG edges `from>to` closing a loop: type facts are forgotten along them. */
  private backEdges?: Set<string>;
  /** Parameter pseudo-sites (summaries): site id -> parameter index. */
  private readonly paramSites = new Map<number, number>();
  /** Parameter index -> its states at the exits; the families of the deallocators that released it. */
  private readonly paramExit = new Map<number, Set<AllocState>>();
  private readonly paramFamilies = new Map<number, Set<string>>();
  /** Per exit: the out-parameters filled there (by index) and the constant returned (recordFills). */
  private readonly fillExits: Array<{ filled: Map<number, Family | null>; ret: number | 'other' | undefined }> = [];
  /** What the return statements hand back: a family, 'null', 'void' or 'other'. */
  private readonly returnKinds = new Set<string>();
  readonly staticLocals = new Set<string>();
  /** Globals (and static locals) this request code stores process memory into. */
  private readonly watchGlobals = new Set<string>();
  /** Variables given to Z_ADDREF_P & co.: the path remembers whether they were handed over before. */
  private readonly watchAddref = new Set<string>();
  /** Conditions over an out-argument allocator's status assigned to a local flag, by offsets. */
  private readonly condAliases = new Map<string, Node>();
  /** Variables receiving the status of an out-argument allocator (failsWhen), with those calls. */
  private readonly statusCalls = new Map<string, Node[]>();
  /**
   * `fci.retval = &rv` (key `fci`) and `pfci->retval = &rv` (key `pfci->`): the local zval a
   * zend_call_function of that fcall info fills; null when the function names several.
   */
  private readonly fciRetvals = new Map<string, string | null>();
  /**
   * A same-file macro used as a call inside an expression (`SUCCESS == CALL_UF(…, &fn, rv)`),
   * evaluated as its one-call body: where its nodes come from (reported at the invocation).
   */
  private exprMacro: { invocation: Node; macros: string[]; key: string } | undefined;
  /** The CFG node being evaluated: its expansion, if any, places the nodes it evaluates. */
  private current: CfgNode | undefined;

  constructor(
    readonly unit: FunctionUnit,
    readonly cfg: Cfg,
    private readonly summaries: SummaryLookup = () => undefined,
    globals: { has(name: string): boolean } = new Set<string>(),
    private readonly macros?: MacroContext,
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
          this.staticLocals.add(name);
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
    for (const c of unit.body.descendantsOfType('call_expression')) {
      const a = c ? ALLOCATORS[calleeName(c) ?? ''] : undefined;
      if (!c || a?.bindArg === undefined) continue;
      let v = strip(argsOf(c)[a.bindArg]);
      if (v?.type === 'pointer_expression') v = strip(v.childForFieldName('argument'));
      if (v?.type === 'identifier') this.watchAddref.add(v.text);
    }
    // `rc = call_user_function(…, &retval, …)`: a later test of rc tells whether retval was filled.
    for (const a of unit.body.descendantsOfType(['assignment_expression', 'init_declarator'])) {
      if (!a) continue;
      const l = strip(a.childForFieldName(a.type === 'init_declarator' ? 'declarator' : 'left'));
      const r = strip(a.childForFieldName(a.type === 'init_declarator' ? 'value' : 'right'));
      // `failed = call(…, &rv) == FAILURE || Z_ISUNDEF(rv);`: a later `if (failed)` tests that condition
      // (the path remembers which of these assignments it went through: ALIAS).
      if (
        l?.type === 'identifier' && this.locals.has(l.text) &&
        (r?.type === 'binary_expression' || r?.type === 'unary_expression') &&
        r.descendantsOfType('call_expression').some((c) => !!c && !!this.failsOf(c))
      ) {
        this.condAliases.set(`${r.startIndex}:${r.endIndex}`, r);
      }
      if (l?.type !== 'identifier' || r?.type !== 'call_expression' || !this.failsOf(r)) continue;
      let list = this.statusCalls.get(l.text);
      if (!list) this.statusCalls.set(l.text, (list = []));
      list.push(r);
    }
    for (const a of unit.body.descendantsOfType('assignment_expression')) {
      const l = strip(a?.childForFieldName('left'));
      const r = strip(a?.childForFieldName('right'));
      if (!a || l?.type !== 'field_expression' || l.childForFieldName('field')?.text !== 'retval' || a.childForFieldName('operator')?.text !== '=') continue;
      const base = strip(l.childForFieldName('argument'));
      if (!base) continue;
      const key = l.childForFieldName('operator')?.text === '->' ? `${base.text}->` : base.text;
      const v = r?.type === 'pointer_expression' && r.childForFieldName('operator')?.text === '&' ? strip(r.childForFieldName('argument')) : null;
      const name = v?.type === 'identifier' && this.locals.has(v.text) ? v.text : null;
      const had = this.fciRetvals.get(key);
      this.fciRetvals.set(key, had === undefined || had === name ? name : null);
    }
    // Globals: only request code and its helpers (a plain function of unknown callers storing
    // into a global is mostly set-up code: vm trace files, version strings, handler tables).
    if (unit.kind === 'request' || unit.kind === 'helper') {
      for (const a of unit.body.descendantsOfType('assignment_expression')) {
        const l = strip(a?.childForFieldName('left'));
        const r = strip(a?.childForFieldName('right'));
        if (!a || l?.type !== 'identifier' || r?.type !== 'call_expression' || a.childForFieldName('operator')?.text !== '=') continue;
        if (this.locals.has(l.text) || !(globals.has(l.text) || this.staticLocals.has(l.text))) continue;
        if (this.processFamilyOf(r) !== undefined) this.watchGlobals.add(l.text);
      }
    }
  }

  /** The family of a call that allocates process memory (an allocator row or a summarised function), else undefined. */
  private processFamilyOf(call: Node): Family | undefined {
    const fn = calleeName(call);
    if (!fn) return undefined;
    const a = ALLOCATORS[fn];
    const fam = a ? (directResult(a) ? familyOf(a, argsOf(call)) : undefined) : this.summaries(fn)?.returns;
    return fam && FAMILIES[fam].lifetime === 'process' ? fam : undefined;
  }

  run(): UnitAnalysis {
    try {
      this.solve();
    } catch (e) {
      if (!(e instanceof TooComplex)) throw e;
      // Too many path states: remember the flags only, then nothing, then give up.
      for (const mode of ['flags', 'none'] as const) {
        this.flagsOnly = mode === 'flags';
        this.memo = mode === 'flags';
        this.condKeys.clear();
        this.resetResults();
        try {
          this.solve();
          return this.result();
        } catch (e2) {
          if (!(e2 instanceof TooComplex)) throw e2;
        }
      }
      return this.emptyResult('too many paths');
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
    this.paramExit.clear();
    this.paramFamilies.clear();
    this.returnKinds.clear();
    this.fillExits.length = 0;
  }

  private solve(): void {
    const seen = new Map<number, Set<string>>();
    const init = new PState();
    if (this.unit.kind === 'other' || this.unit.kind === 'helper') {
      this.unit.params.forEach((p, i) => {
        if (!this.unit.pointerParams?.has(p) || init.vars.has(p)) return;
        let id = [...this.paramSites].find(([, idx]) => idx === i)?.[0];
        if (id === undefined) {
          id = this.sites.length;
          this.sites.push({ id, call: this.unit.body, callee: this.unit.body, fn: '', family: 'zend-request', variable: p, param: i });
          this.paramSites.set(id, i);
        }
        init.vars.set(p, id);
        init.sites.set(id, 'A');
      });
    }
    const queue: Array<[number, PState]> = [[this.cfg.entry, init]];
    this.prepareTypeFacts();
    const push = (from: number, to: number, out: PState): void => {
      if (this.backEdges!.has(`${from}>${to}`) && hasTypeFacts(out)) {
        out = out.clone();
        dropTypeFacts(out);
      }
      queue.push([to, out]);
    };
    let steps = 0;
    while (queue.length) {
      checkBudget();
      const [id, st] = queue.pop()!;
      const key = st.key(this.unreachableOnce);
      let s = seen.get(id);
      if (!s) seen.set(id, (s = new Set()));
      if (s.has(key)) continue;
      s.add(key);
      if (s.size > MAX_STATES_PER_NODE || ++steps > MAX_STEPS) throw new TooComplex();
      const node = this.cfg.nodes[id];
      this.current = node;
      switch (node.kind) {
        case 'entry':
        case 'noop':
          for (const n of node.succ) push(id, n, st);
          break;
        case 'branch': {
          if (node.preproc && this.memo && !this.flagsOnly) {
            // #if X … #endif … #if X: both blocks are compiled or neither is.
            const { key, mainWhen } = node.preproc;
            // `#if PHP_VERSION_ID >= 70000` is decided by the configuration macros are chosen by (a PHP 8.2 build).
            const known = st.conds.get(key) ?? configured(key);
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
          if (node.ast && hasTypeFacts(out) && this.typeChanged(id, node.ast).size) {
            if (out === st) out = st.clone();
            this.forgetTypes(out, this.typeChanged(id, node.ast));
          }
          const edges = node.switchEdges && node.ast ? this.switchFacts(node.ast, node.switchEdges) : undefined;
          // `switch (Z_TYPE(zv)) { case IS_LONG: … }`: in that case the zval holds no counted value.
          const switched = node.switchEdges && node.ast ? this.typeSubject(node.ast)?.variable : undefined;
          node.succ.forEach((n, i) => {
            const facts = edges?.[i];
            const eq = switched !== undefined ? node.switchEdges![i]?.eq : undefined;
            const scalar = !!eq && UNCOUNTED_TYPES.has(this.typeConstant(eq) ?? '');
            if (!facts && !scalar) return push(id, n, out);
            const o = out.clone();
            if (scalar) this.holdsNoReference(o, switched!);
            for (const [k, v] of facts ?? []) {
              const prev = o.conds.get(k);
              if (prev !== undefined && prev !== v) return; // this case cannot be taken on this path
              o.conds.set(k, v);
            }
            if (this.typeContradiction(o)) return;
            push(id, n, o);
          });
          break;
        }
        case 'stmt': {
          const out = st.clone();
          if (node.ast) this.returnValueSet(node.ast, out, node.origin ?? node.ast);
          if (node.ast) this.eval(node.ast, out, 'read');
          if (node.ast && hasTypeFacts(out)) this.forgetTypes(out, this.typeChanged(id, node.ast));
          for (const n of node.succ) push(id, n, out);
          break;
        }
        case 'cond': {
          const base = st.clone();
          if (node.ast) this.eval(node.ast, base, 'read');
          const dirty = node.ast ? this.typeChanged(id, node.ast) : undefined;
          if (dirty?.size) this.forgetTypes(base, dirty);
          const known = node.ast ? this.known(node.ast, base) : undefined;
          for (const truth of [true, false]) {
            if (known !== undefined && known !== truth) continue;
            const out = base.clone();
            if (node.ast) {
              this.refine(node.ast, truth, out);
              this.learn(node.ast, truth, out);
              if (dirty?.size) this.forgetTypes(out, dirty);
            }
            push(id, node.succ[truth ? 0 : 1], out);
          }
          break;
        }
        case 'exit': {
          const out = st.clone();
          if (node.exitKind === 'return') this.returnKinds.add(node.value ? this.returnKind(node.value, out) : 'void');
          else this.returnKinds.add(node.exitKind === 'end' ? 'void' : 'other');
          if (node.value && node.exitKind === 'macro') this.returnValueSet(node.value, out, node.origin ?? node.ast!);
          if (node.value) this.eval(node.value, out, node.exitKind === 'return' ? 'transfer' : 'read');
          let list = this.exitStates.get(id);
          if (!list) this.exitStates.set(id, (list = []));
          list.push(out);
          this.recordFills(out, node.exitKind === 'return' ? node.value : undefined);
          for (const [sid, idx] of this.paramSites) {
            let set = this.paramExit.get(idx);
            if (!set) this.paramExit.set(idx, (set = new Set()));
            set.add(out.sites.get(sid) ?? 'L');
          }
          for (const [site, state] of out.sites) {
            if (state === 'A' && !this.sites[site].outZval) {
              const p: LeakPoint = { kind: node.exitKind ?? 'end', node: node.origin ?? node.ast!, cfgNode: id };
              const via = this.via();
              if (via) p.via = via;
              this.leak(site, p);
            }
          }
          break;
        }
      }
    }
  }

  /**
   * `RETURN_FALSE;`, `RETVAL_LONG(n)`: the macro stores into return_value; an array or object this
   * function made there (`array_init(return_value)`) and did not release is dropped with it.
   */
  private returnValueSet(e: Node, st: PState, at: Node): void {
    const fn = calleeName(e);
    if (!fn || !/^(RETURN|RETVAL)_/.test(fn) || fn === 'RETURN_THROWS') return;
    // RETURN_ZVAL(return_value, 1, 0) and the like store return_value into itself.
    if (e.type === 'call_expression' && argsOf(e).some((a) => a.descendantsOfType('identifier').some((i) => i?.text === 'return_value') || a.text === 'return_value')) return;
    this.zvalOverwritten(st, 'return_value', at);
  }

  /** A zval variable is overwritten: a counted value this function stored there and still owns is lost. */
  private zvalOverwritten(st: PState, variable: string, at: Node): void {
    const sid = st.vars.get(variable);
    if (sid === undefined || st.sites.get(sid) !== 'A') return;
    const site = this.sites[sid];
    if (site.family !== 'zval-ref' || site.param !== undefined || !ZVAL_MAKERS.has(site.fn)) return;
    if ([...st.vars].some(([v, x]) => v !== variable && x === sid)) return;
    this.leak(sid, { kind: 'overwrite', node: at });
    st.sites.set(sid, 'L');
    st.vars.delete(variable);
  }

  /** What a return statement hands back on this path. */
  private returnKind(value: Node, st: PState): string {
    const e = strip(value);
    if (!e) return 'other';
    if (constValue(e) === 0) return 'null';
    if (e.type === 'identifier') {
      const sid = st.vars.get(e.text);
      if (sid === undefined) return 'other';
      const site = this.sites[sid];
      const state = st.sites.get(sid);
      if (site.param !== undefined || site.global) return 'other';
      return state === 'A' ? site.family : state === 'N' ? 'null' : 'other';
    }
    if (e.type === 'call_expression') {
      const fn = calleeName(e);
      if (!fn) return 'other';
      const a = ALLOCATORS[fn];
      if (a) return directResult(a) ? (familyOf(a, argsOf(e)) ?? 'other') : 'other';
      return this.summaries(fn)?.returns ?? 'other';
    }
    return 'other';
  }

  /**
   * At an exit: which pointer parameters hold a block this function made for the caller
   * (`*out` bound by a store or an out-argument allocator, an `array_init(zv)` still owned),
   * with what the function returns there.
   */
  private recordFills(st: PState, value: Node | null | undefined): void {
    if (this.unit.kind !== 'other' && this.unit.kind !== 'helper') return;
    const filled = new Map<number, Family | null>();
    this.unit.params.forEach((p, i) => {
      // `if (key) *key = …`: a path where the out-parameter itself was NULL says nothing of a caller passing `&v`.
      const isNull = st.conds.get(p) === false || st.conds.get(`!${p}`) === true || st.conds.get(`${p} == NULL`) === true || st.conds.get(`${p} != NULL`) === false;
      if (isNull && this.isOutParam(p)) {
        filled.set(i, null);
        return;
      }
      // Only a pointer to a pointer is an owned slot (not a `short *slot`), and not one pointing into
      // the block this exit returns (`*ptr = intern; return &intern->zo;`: the returned object owns it).
      const out = this.isOutParam(p) ? st.vars.get(`*${p}`) : undefined;
      if (out !== undefined && (st.sites.get(out) === 'T' || st.sites.get(out) === 'E') && !this.mentionsSite(value, out, st)) filled.set(i, this.sites[out].family);
      const zv = st.vars.get(p);
      if (zv !== undefined && this.sites[zv].outZval && st.sites.get(zv) === 'A') filled.set(i, 'zval-ref');
    });
    let ret: number | 'other' | undefined;
    const e = strip(value);
    if (e) {
      ret = e.type === 'identifier' && e.text === 'SUCCESS' ? 0 : e.type === 'identifier' && e.text === 'FAILURE' ? -1 : constValue(e);
      if (ret === undefined) ret = 'other';
    }
    this.fillExits.push({ filled, ret });
  }

  /** Whether expression `e` names a local bound to site `sid` (`&intern->zo` for intern's block). */
  private mentionsSite(e: Node | null | undefined, sid: number, st: PState): boolean {
    if (!e) return false;
    if (e.type === 'identifier') return st.vars.get(e.text) === sid;
    for (const c of e.namedChildren) if (c && this.mentionsSite(c, sid, st)) return true;
    return false;
  }

  /**
   * What the exits say of each out-parameter: filled on every return (an owned fill), else nothing.
   * Result-conditioned fills (filled on the exits returning SUCCESS / nonzero…, and a zval filled on
   * some paths only) are switched off (CONDITIONED_FILLS): at rest they were mostly false — the
   * caller's branch on the result was not joined to the fill (phar's `*error` set only on failure,
   * redis_unpack), or the helper freed and NULLed the output before failing.
   */
  private fills(): Array<OutFill | undefined> | undefined {
    if (!this.fillExits.length || !this.fillExits.some((x) => x.filled.size)) return undefined;
    const out: Array<OutFill | undefined> = this.unit.params.map(() => undefined);
    let any = false;
    this.unit.params.forEach((_, i) => {
      const fams = new Set<Family>();
      const filledRets: Array<number | 'other' | undefined> = [];
      const unfilledRets: Array<number | 'other' | undefined> = [];
      for (const x of this.fillExits) {
        const f = x.filled.get(i);
        if (f === null) continue;
        if (f) {
          fams.add(f);
          filledRets.push(x.ret);
        } else unfilledRets.push(x.ret);
      }
      if (fams.size !== 1) return;
      const family = [...fams][0];
      if (!unfilledRets.length) {
        out[i] = { family };
        any = true;
        return;
      }
      if (!CONDITIONED_FILLS) return;
      const num = (v: number | 'other' | undefined): v is number => typeof v === 'number';
      // Unfilled exits returning what a filling exit also returns may have filled it another way
      // (`*entry = fix(*entry)`): only the others tell a failure.
      const told = unfilledRets.filter((v) => !filledRets.includes(v));
      if (!told.length) {
        out[i] = { family };
        any = true;
        return;
      }
      unfilledRets.length = 0;
      unfilledRets.push(...told);
      let failsWhen: Allocator['failsWhen'];
      if (unfilledRets.every((v) => v === -1) && filledRets.every((v) => v === 0)) failsWhen = 'FAILURE';
      else if (unfilledRets.every((v) => v === 'other' || (num(v) && v !== 0)) && filledRets.every((v) => v === 0)) failsWhen = 'nonzero';
      // (An unfilled exit returning a value not known, beside one returning 0: the caller tests the pointer too.)
      else if (unfilledRets.every((v) => v === 0 || v === 'other') && unfilledRets.includes(0) && filledRets.every((v) => v === 'other' || (num(v) && v !== 0))) failsWhen = 'zero';
      else if (unfilledRets.every((v) => num(v) && v < 0) && filledRets.every((v) => num(v) && v >= 0)) failsWhen = 'negative';
      // A zval filled on some paths only: the caller releases it anyway (zval_ptr_dtor of a scalar is nothing).
      if (!failsWhen && family !== 'zval-ref') return;
      out[i] = failsWhen ? { family, failsWhen } : { family };
      any = true;
    });
    return any ? out : undefined;
  }

  /** The summary callers may use: an allocator, and what happens to each pointer parameter. */
  private summary(): FunctionSummary {
    const kinds = [...this.returnKinds];
    const fams = kinds.filter((k) => k !== 'null');
    const returns = fams.length === 1 && fams[0] in FAMILIES ? (fams[0] as Family) : undefined;
    const params: Array<ParamEffect | undefined> = this.unit.params.map(() => undefined);
    for (const [idx, states] of this.paramExit) {
      const st = [...states];
      const only = (ok: AllocState[]) => st.every((x) => ok.includes(x));
      if (only(['R', 'N']) && states.has('R')) {
        const fam = [...(this.paramFamilies.get(idx) ?? [])];
        params[idx] = { kind: 'release', families: fam.length === 1 && fam[0] !== '?' ? (fam[0].split(',') as Family[]) : undefined };
      } else if (only(['R', 'T', 'N']) && states.has('T')) params[idx] = { kind: 'transfer' };
      else if (only(['A', 'N']) && states.has('A')) params[idx] = { kind: 'read' };
    }
    const fills = this.fills();
    return fills ? { returns, params, fills, isStatic: this.unit.isStatic } : { returns, params, isStatic: this.unit.isStatic };
  }

  /** Where the node being evaluated comes from when it lies in an expanded macro. */
  private via(): MacroVia | undefined {
    if (this.exprMacro) return { invocation: this.exprMacro.invocation, macros: this.exprMacro.macros };
    const x = this.current?.expansion;
    return x ? { invocation: x.invocation, macros: x.macros } : undefined;
  }

  /**
   * A key naming a node of the CFG node being evaluated: its offsets, prefixed in an
   * expansion by the expansion's id (a macro's parsed body has offsets of its own, and
   * two uses of a macro with the same arguments share its nodes).
   */
  private nodeKey(n: Node): string {
    if (this.exprMacro) return `${this.exprMacro.key}/${n.startIndex}:${n.endIndex}`;
    const x = this.current?.expansion;
    return x ? `${x.id}/${n.startIndex}:${n.endIndex}` : `${n.startIndex}:${n.endIndex}`;
  }

  private leak(site: number, p: LeakPoint): void {
    if (this.sites[site].param !== undefined) return;
    if (p.kind === 'overwrite' && this.current?.origin) {
      // An assignment inside an expanded macro: shown at the statement invoking it.
      p = { ...p, node: this.current.origin };
      const via = this.via();
      if (via) p.via = via;
    }
    let m = this.leaks.get(site);
    if (!m) this.leaks.set(site, (m = new Map()));
    const k = `${p.kind}:${p.node.startIndex}`;
    if (!m.has(k)) m.set(k, p);
  }

  private result(): UnitAnalysis {
    const sites: SiteReport[] = [];
    for (const site of this.sites) {
      if (site.param !== undefined) continue;
      const at = (p: LeakPoint) => (p.kind === 'end' ? p.node.endIndex - 1 : p.node.startIndex);
      const leaks = [...(this.leaks.get(site.id)?.values() ?? [])].sort((a, b) => at(a) - at(b));
      const insertSafe = new Map<number, boolean>();
      // zend_string_release(NULL) / zval_ptr_dtor(NULL) crash: insert only where the block is known to exist.
      const nullSafe = site.family === 'libc' || site.family === 'zend-request' || site.family === 'zend-persistent';
      const okStates: AllocState[] = nullSafe ? ['A', 'N'] : ['A'];
      for (const l of leaks) {
        if (l.cfgNode === undefined) continue;
        const states = this.exitStates.get(l.cfgNode) ?? [];
        const origin = this.cfg.nodes[l.cfgNode].origin;
        insertSafe.set(
          l.cfgNode,
          states.every((st) => st.vars.get(site.variable) === site.id && okStates.includes(st.sites.get(site.id)!)) &&
            (!origin || this.insertableBeforeMacro(origin, site.variable)),
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
      summary: this.unit.kind === 'other' || this.unit.kind === 'helper' ? this.summary() : undefined,
    };
  }

  /**
   * Whether a release of `variable` inserted before the statement `origin`, which invokes a
   * macro with an exit in its body, is right for every path through it: every path through
   * the expansion ends inside it (no conditional exit the other paths walk past) and its
   * body does not name the variable (no use after the inserted release).
   */
  private insertableBeforeMacro(origin: Node, variable: string): boolean {
    const nodes = this.cfg.nodes;
    const inside = (id: number) => nodes[id].origin === origin;
    // The expansion's entries (reached from outside it), then what the paths from them reach.
    const stack = nodes.filter((n) => !inside(n.id)).flatMap((n) => n.succ.filter(inside));
    const seen = new Set<number>();
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const n = nodes[id];
      for (const x of [n.ast, n.value]) {
        if (x && (x.type === 'identifier' ? x.text === variable : x.descendantsOfType('identifier').some((i) => i?.text === variable))) return false;
      }
      for (const m of n.succ) {
        if (!inside(m)) return false; // a path leaves the macro without exiting
        stack.push(m);
      }
    }
    return seen.size > 0;
  }

  // ------------------------------------------------------------ conditions

  /** condKey's answers by tree and node (start, end, type): it walks the condition, and a path revisits it often. */
  private readonly condKeys = new Map<Tree, Map<string, string | undefined>>();

  /**
   * A condition remembered along a path: no calls, no assignments, only local variables.
   * Memoised per node: the answer depends on the node's text and types and on `locals`
   * (fixed once constructed); the `condIdents` entry it sets is the same each time.
   */
  private condKey(cond: Node): string | undefined {
    let byNode = this.condKeys.get(cond.tree);
    if (!byNode) this.condKeys.set(cond.tree, (byNode = new Map()));
    const at = `${cond.startIndex},${cond.endIndex},${cond.typeId}`;
    if (byNode.has(at)) return byNode.get(at);
    const key = this.condKeyOf(cond);
    byNode.set(at, key);
    return key;
  }

  private condKeyOf(cond: Node): string | undefined {
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
        if (this.flagsOnly && !this.flagVars().has(n.text)) return undefined;
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
    if ((op === '==' || op === '!=') && this.memo && !this.flagsOnly) {
      const t = this.typeTest(l, r);
      if (t) {
        const v = this.typeKnown(st, t.subject, t.constant);
        return v === undefined ? undefined : op === '==' ? v : !v;
      }
    }
    if (op === '==' || op === '!=') {
      // A block this path allocated (state A) differs from any pointer not bound to it.
      const a = strip(l);
      const b = strip(r);
      if (a?.type !== 'identifier' || b?.type !== 'identifier') return undefined;
      const sa = st.vars.get(a.text);
      const sb = st.vars.get(b.text);
      const fresh = (s: number | undefined) => s !== undefined && st.sites.get(s) === 'A' && this.sites[s].param === undefined;
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
      if (op === '==' || op === '!=') {
        const t = this.typeTest(e.childForFieldName('left'), e.childForFieldName('right'));
        if (t) this.setTypeFact(st, t.subject, t.constant, op === '==' ? truth : !truth);
      }
      if ((op === '&&' && truth) || (op === '||' && !truth)) {
        for (const f of ['left', 'right']) {
          const c = e.childForFieldName(f);
          if (c) this.learn(c, truth, st);
        }
      }
    }
  }

  /** The unit's flag variables: locals whose every write is an integer constant. */
  private flagVars(): Set<string> {
    if (this.flagVarSet) return this.flagVarSet;
    const flags = new Set<string>();
    const not = new Set<string>();
    const body = this.unit.body;
    for (const a of body.descendantsOfType(['assignment_expression', 'init_declarator'])) {
      if (!a) continue;
      const l = strip(a.childForFieldName(a.type === 'init_declarator' ? 'declarator' : 'left'));
      const r = a.childForFieldName(a.type === 'init_declarator' ? 'value' : 'right');
      if (l?.type !== 'identifier') continue;
      const plain = a.type === 'init_declarator' || a.childForFieldName('operator')?.text === '=';
      if (plain && constValue(r) !== undefined) flags.add(l.text);
      else not.add(l.text);
    }
    for (const u of body.descendantsOfType(['update_expression', 'pointer_expression'])) {
      if (!u) continue;
      if (u.type === 'pointer_expression' && u.childForFieldName('operator')?.text !== '&') continue;
      const v = strip(u.childForFieldName('argument'));
      if (v?.type === 'identifier') not.add(v.text);
    }
    for (const v of not) flags.delete(v);
    for (const v of [...flags]) if (!this.locals.has(v)) flags.delete(v);
    return (this.flagVarSet = flags);
  }

  /** `flag = 1;` / `bool flag = false;`: the path knows `flag` (and `!flag`) until flag changes. */
  private learnConstant(st: PState, name: string, value: Node): void {
    if (!this.memo || (this.flagsOnly && !this.flagVars().has(name))) return;
    const v = constValue(value);
    if (v === undefined) return;
    for (const [key, truth] of [[name, v !== 0], [`!${name}`, v === 0]] as const) {
      this.condIdents.set(key, new Set([name]));
      st.conds.set(key, truth);
    }
  }

  // ------------------------------------------------------------ zval type facts
  //
  // `switch (Z_TYPE_P(x))` cases and `Z_TYPE_P(x) == IS_…` tests (api.ts ZVAL_TYPE_TESTS) on a
  // local `x` are remembered as `#ty:Z_TYPE_P(x)\u0001IS_…` → equal or not, and decide later
  // tests of the same expression. They are forgotten when `x` may change: assigned, `&x`, given
  // to anything but a READERS row (convert_to_string(x), ZVAL_*(x…), zval_ptr_dtor(x)…), or along
  // a loop's back-edge. Only expressions tested twice or more are remembered (fewer path states).

  private prepareTypeFacts(): void {
    if (this.retested && this.backEdges) return;
    const counts = new Map<string, number>();
    for (const n of this.cfg.nodes) {
      if (!n.ast || !(n.kind === 'cond' || (n.kind === 'branch' && n.switchEdges))) continue;
      const seen = new Set<string>();
      const stack = [n.ast];
      while (stack.length) {
        const x = stack.pop()!;
        const t = this.typeSubject(x);
        if (t && !seen.has(t.key)) {
          seen.add(t.key);
          counts.set(t.key, (counts.get(t.key) ?? 0) + 1);
          this.typeVarOf.set(t.key, t.variable);
        }
        for (const c of x.namedChildren) if (c) stack.push(c);
      }
    }
    this.retested = new Set([...counts].filter(([, c]) => c > 1).map(([k]) => k));
    this.typeVars = new Set([...this.retested].map((k) => this.typeVarOf.get(k)!));
    // Back-edges: edges to a node on the depth-first search's stack.
    const back = new Set<string>();
    const state = new Uint8Array(this.cfg.nodes.length); // 0 new, 1 on the stack, 2 done
    const stack: Array<[number, number]> = [[this.cfg.entry, 0]];
    state[this.cfg.entry] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const succ = this.cfg.nodes[top[0]].succ;
      if (top[1] >= succ.length) {
        state[top[0]] = 2;
        stack.pop();
        continue;
      }
      const to = succ[top[1]++];
      if (state[to] === 1) back.add(`${top[0]}>${to}`);
      else if (state[to] === 0) {
        state[to] = 1;
        stack.push([to, 0]);
      }
    }
    this.backEdges = back;
  }
  private readonly typeVarOf = new Map<string, string>();

  /** `Z_TYPE_P(x)` with `x` a local: its key and variable. */
  private typeSubject(n: Node | null | undefined): { key: string; variable: string } | undefined {
    const e = strip(n);
    if (e?.type !== 'call_expression') return undefined;
    const f = calleeName(e);
    if (!f || !ZVAL_TYPE_TESTS.has(f)) return undefined;
    const args = argsOf(e);
    let a = args.length === 1 ? strip(args[0]) : null;
    let addr = '';
    // Z_TYPE_P(&zv) is Z_TYPE(zv).
    if (a?.type === 'pointer_expression' && a.childForFieldName('operator')?.text === '&') {
      a = strip(a.childForFieldName('argument'));
      addr = '&';
    }
    if (a?.type !== 'identifier' || !this.locals.has(a.text)) return undefined;
    return { key: `${f}(${addr}${a.text})`, variable: a.text };
  }

  /** A constant a type is compared with: a number or an upper-case identifier (IS_STRING). */
  private typeConstant(n: Node | null | undefined): string | undefined {
    const e = strip(n);
    if (e?.type === 'number_literal') return e.text;
    if (e?.type !== 'identifier' || this.locals.has(e.text)) return undefined;
    for (const ch of e.text) if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '_')) return undefined;
    return e.text;
  }

  /** `Z_TYPE_P(x) == IS_STRING` (either order) on a remembered expression. */
  private typeTest(l: Node | null | undefined, r: Node | null | undefined): { subject: string; constant: string } | undefined {
    for (const [a, b] of [[l, r], [r, l]]) {
      const t = this.typeSubject(a);
      const c = t && this.retested?.has(t.key) ? this.typeConstant(b) : undefined;
      if (t && c !== undefined) return { subject: t.key, constant: c };
    }
    return undefined;
  }

  private typeKey(subject: string, constant: string): string {
    const key = `#ty:${subject}\u0001${constant}`;
    if (!this.condIdents.has(key)) this.condIdents.set(key, new Set([this.typeVarOf.get(subject)!]));
    return key;
  }

  private setTypeFact(st: PState, subject: string, constant: string, equal: boolean): void {
    if (this.memo && !this.flagsOnly) st.conds.set(this.typeKey(subject, constant), equal);
  }

  /** Whether the path knows `subject == constant`. */
  private typeKnown(st: PState, subject: string, constant: string): boolean | undefined {
    const k = this.typeKey(subject, constant);
    if (st.conds.has(k)) return st.conds.get(k);
    const prefix = `#ty:${subject}\u0001`;
    for (const [key, v] of st.conds) {
      if (v && key.startsWith(prefix) && distinctConstants(key.slice(prefix.length), constant)) return false;
    }
    return undefined;
  }

  /** A path knowing a type equal to two distinct constants is infeasible. */
  private typeContradiction(st: PState): boolean {
    const eq = new Map<string, string>();
    for (const [key, v] of st.conds) {
      if (!v || !key.startsWith('#ty:')) continue;
      const i = key.indexOf('\u0001');
      const subject = key.slice(0, i);
      const c = key.slice(i + 1);
      const other = eq.get(subject);
      if (other !== undefined && distinctConstants(other, c)) return true;
      eq.set(subject, c);
    }
    return false;
  }

  /** Per successor of a `switch (Z_TYPE_P(x))` dispatch: the facts its edge adds. */
  private switchFacts(cond: Node, edges: NonNullable<CfgNode['switchEdges']>): Array<Array<[string, boolean]> | undefined> | undefined {
    if (!this.memo || this.flagsOnly) return undefined;
    const t = this.typeSubject(cond);
    if (!t || !this.retested?.has(t.key)) return undefined;
    return edges.map((edge) => {
      if (edge.eq) {
        const c = this.typeConstant(edge.eq);
        return c === undefined ? undefined : [[this.typeKey(t.key, c), true]];
      }
      const out: Array<[string, boolean]> = [];
      for (const v of edge.ne ?? []) {
        const c = this.typeConstant(v);
        if (c !== undefined) out.push([this.typeKey(t.key, c), false]);
      }
      return out;
    });
  }

  /** The remembered zvals a node may change (any use but a pure read). */
  private typeChanged(id: number, ast: Node): Set<string> {
    let set = this.typeDirty.get(id);
    if (set) return set;
    set = new Set();
    if (this.typeVars.size) {
      const stack = [ast];
      while (stack.length) {
        const n = stack.pop()!;
        if (n.type === 'identifier' && this.typeVars.has(n.text) && !pureZvalUse(n)) set.add(n.text);
        for (const c of n.children) if (c) stack.push(c);
      }
    }
    this.typeDirty.set(id, set);
    return set;
  }

  private forgetTypes(st: PState, vars: Set<string>): void {
    if (!vars.size) return;
    for (const k of [...st.conds.keys()]) {
      if (!k.startsWith('#ty:')) continue;
      for (const v of this.condIdents.get(k) ?? []) if (vars.has(v)) st.conds.delete(k);
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
        const k = [...st.conds.keys()].find((x) => x.startsWith(`${ALIAS}${e.text}=`));
        const alias = k ? this.condAliases.get(k.slice(ALIAS.length + e.text.length + 1)) : undefined;
        if (alias) this.refine(alias, truth, st);
        // `rc = getaddrinfo(…); if (rc) …`: the status of an out-argument allocator.
        for (const call of this.statusCalls.get(e.text) ?? []) {
          const fails = this.failsOf(call);
          if (((fails === 'nonzero' || fails === 'FAILURE') && truth) || (fails === 'zero' && !truth)) this.outArgUnset(call, st);
        }
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
        // `if (EG(exception))` right after zend_call_method(…, &rv) / zval_get_string(z): it threw, rv is UNDEF.
        if (f === 'EG' && truth && args.length === 1 && strip(args[0])?.text === 'exception') {
          for (const k of [...st.conds.keys()]) {
            if (!k.startsWith(LAST_CALL)) continue;
            const site = Number(k.slice(LAST_CALL.length));
            if (st.sites.get(site) === 'A') st.sites.set(site, 'N');
          }
        }
        // Z_ISUNDEF(zv) / Z_ISNULL(zv) true, Z_REFCOUNTED(zv) false: the zval holds no counted value.
        const undef = f === 'Z_ISUNDEF' || f === 'Z_ISUNDEF_P' || f === 'Z_ISNULL' || f === 'Z_ISNULL_P';
        if (args.length === 1 && ((undef && truth) || ((f === 'Z_REFCOUNTED' || f === 'Z_REFCOUNTED_P') && !truth))) {
          let a = strip(args[0]);
          if (a?.type === 'pointer_expression') a = strip(a.childForFieldName('argument'));
          if (a?.type === 'identifier') this.holdsNoReference(st, a.text);
        }
        // getaddrinfo(…) != 0, !yaml_parser_parse(…): the call failed, its out-argument holds nothing.
        for (const c of this.statusCallsOf(e)) {
          const fails = this.failsOf(c);
          if (((fails === 'nonzero' || fails === 'FAILURE') && truth) || (fails === 'zero' && !truth)) this.outArgUnset(c, st);
        }
        return;
      }
      case 'binary_expression': {
        const op = e.childForFieldName('operator')?.text;
        const l = e.childForFieldName('left');
        const r = e.childForFieldName('right');
        if (!l || !r) return;
        // `vasprintf(&buf, …) < 0` (or `>= 0` false): failed, nothing was allocated.
        if ((op === '<' || op === '>=') && constValue(r) === 0 && (op === '<') === truth) {
          for (const call of this.statusCallsOf(l)) if (this.failsOf(call) === 'negative') this.outArgUnset(call, st);
        }
        if (op === '&&') {
          if (truth) {
            this.refine(l, true, st);
            this.refine(r, true, st);
          } else this.refineEither(l, r, false, st);
          return;
        }
        if (op === '||') {
          if (!truth) {
            this.refine(l, false, st);
            this.refine(r, false, st);
          } else this.refineEither(l, r, true, st);
          return;
        }
        if (op === '==' || op === '!=') {
          // `Z_TYPE(zv) == IS_LONG`: on that edge the zval holds no counted value.
          for (const [a, b] of [[l, r], [r, l]]) {
            const t = this.typeSubject(a);
            if (t && UNCOUNTED_TYPES.has(this.typeConstant(b) ?? '') && (op === '==') === truth) this.holdsNoReference(st, t.variable);
          }
          // `FAILURE == call_user_function(…, &retval, …)`: on the failure edge nothing was returned.
          for (const [a, b] of [[l, r], [r, l]]) {
            const k = strip(a);
            const c = strip(b);
            if (k?.type !== 'identifier' || (k.text !== 'FAILURE' && k.text !== 'SUCCESS') || !c) continue;
            // The call itself, a variable that received its status (`rc = call_user_function(…)`),
            // or both at once (`(rc = call_user_function(…)) == SUCCESS`).
            const calls = this.statusCallsOf(c);
            const equal = op === '==' ? truth : !truth;
            for (const call of calls) {
              const fn = calleeName(call);
              if (fn && this.failsOf(call) === 'FAILURE' && equal === (k.text === 'FAILURE')) this.outArgUnset(call, st);
            }
          }
          // `vasprintf(&buf, …) == -1`: the failure edge of a call failing with a negative result.
          for (const [a, b] of [[l, r], [r, l]]) {
            if (constValue(b) !== -1) continue;
            for (const call of this.statusCallsOf(a)) {
              if (this.failsOf(call) === 'negative' && (op === '==') === truth) this.outArgUnset(call, st);
            }
          }
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

  /**
   * `a || b` true (or `a && b` false): one of the two holds. What both outcomes make of an
   * owned block (nothing was returned into it: `FAILURE == call(…, &rv) || Z_ISUNDEF(rv)`) holds.
   */
  private refineEither(a: Node, b: Node, truth: boolean, st: PState): void {
    // `if (p && free_p)` false where the path knows free_p: then p is the part that failed.
    for (const [one, other] of [[a, b], [b, a]]) {
      if (this.known(other, st) === !truth) {
        this.refine(one, truth, st);
        this.learn(one, truth, st);
        return;
      }
    }
    const x = st.clone();
    this.refine(a, truth, x);
    const y = st.clone();
    this.refine(b, truth, y);
    for (const [site, state] of st.sites) if (state === 'A' && x.sites.get(site) === 'N' && y.sites.get(site) === 'N') st.sites.set(site, 'N');
  }

  /** The out-argument allocator calls an expression tests: the call itself, or the calls whose status a variable holds. */
  private statusCallsOf(n: Node | null | undefined): Node[] {
    const e = strip(n);
    if (e?.type === 'call_expression') {
      // `SUCCESS == MY_CALL(…)`: the call a same-file macro stands for.
      const fn = calleeName(e);
      const body = fn && !ALLOCATORS[fn] && !this.summaries(fn) ? this.macroCall(fn, argsOf(e)) : undefined;
      return body ? this.statusCallsOf(body) : [e];
    }
    if (e?.type === 'identifier') return this.statusCalls.get(e.text) ?? [];
    // `(rc = call(…)) == SUCCESS`: the assignment's value is the call's.
    if (e?.type === 'assignment_expression' && e.childForFieldName('operator')?.text === '=') return this.statusCallsOf(e.childForFieldName('right'));
    return [];
  }

  /** A zval variable known to hold no counted value on this path (a scalar, UNDEF): nothing to release. */
  private holdsNoReference(st: PState, variable: string): void {
    const site = st.vars.get(variable);
    if (site !== undefined && this.sites[site].family === 'zval-ref' && st.sites.get(site) === 'A') st.sites.set(site, 'N');
  }

  /** How an out-argument allocator's result tells a failure: the API table's, else the callee's summary (its fills). */
  private failsOf(call: Node): Allocator['failsWhen'] {
    const fn = calleeName(call);
    if (!fn) return undefined;
    const a = ALLOCATORS[fn];
    if (a) return a.failsWhen;
    if (DEALLOCATORS[fn] || TRANSFERS[fn] || COPIES[fn] || READERS.has(fn)) return undefined;
    return this.summaries(fn)?.fills?.find((f) => f?.failsWhen)?.failsWhen;
  }

  /** The out-argument of an allocating call that failed holds nothing on this path. */
  private outArgUnset(call: Node, st: PState): void {
    const alloc = ALLOCATORS[calleeName(call) ?? ''];
    if (!alloc) {
      // A helper that fills `&v` only on success (its summary's fills).
      const fills = this.summaries(calleeName(call) ?? '')?.fills;
      fills?.forEach((f, i) => {
        const name = f?.failsWhen ? this.addressedLocal(argsOf(call)[i]) : undefined;
        const site = name === undefined ? undefined : st.vars.get(name);
        if (site !== undefined && this.sites[site].call.id === call.id && st.sites.get(site) === 'A') st.sites.set(site, 'N');
      });
      return;
    }
    let name: string | undefined;
    if (alloc?.fciArg !== undefined) name = this.fciRetvalOf(call);
    else if (alloc?.outArg !== undefined) {
      let a = strip(argsOf(call)[alloc.outArg]);
      if (a?.type === 'pointer_expression') a = strip(a.childForFieldName('argument'));
      if (a?.type === 'identifier') name = a.text;
    }
    if (name === undefined) return;
    const site = st.vars.get(name);
    if (site !== undefined && this.sites[site].call.id === call.id && st.sites.get(site) === 'A') st.sites.set(site, 'N');
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
    let e = strip(n);
    // zval_ptr_dtor(&tmp): the zval variable itself holds the reference.
    if (e?.type === 'pointer_expression' && e.childForFieldName('operator')?.text === '&') e = strip(e.childForFieldName('argument'));
    return e?.type === 'identifier' ? st.vars.get(e.text) : undefined;
  }

  /** `&zv` where zv holds a counted zval reference: a known function reading it keeps it owned. */
  private isZvalAddress(n: Node, st: PState): boolean {
    const e = strip(n);
    if (e?.type !== 'pointer_expression' || e.childForFieldName('operator')?.text !== '&') return false;
    const sid = this.boundSite(e, st);
    return sid !== undefined && this.sites[sid].family === 'zval-ref';
  }

  private eval(n: Node, st: PState, mode: Mode): void {
    switch (n.type) {
      case 'identifier': {
        // A global this function stores process memory into: looked at before the store (lazy init, free first).
        if (this.watchGlobals.has(n.text)) st.conds.set(`#g:${n.text}`, true);
        // Stored or handed over first, then Z_ADDREF_P(zv): that reference pays for the store.
        if (mode !== 'read' && this.watchAddref.has(n.text)) st.conds.set(`#esc:${n.text}`, true);
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
            // Its address is taken: it may be changed or freed through it (handed over in transfer mode).
            if (this.watchGlobals.has(a.text)) st.conds.set(`#g:${a.text}`, true);
            // (`zend_parse_parameters(…, &zv)` writes zv: only a hand-over of &zv stores its value.)
            if (mode === 'transfer' && this.watchAddref.has(a.text)) st.conds.set(`#esc:${a.text}`, true);
            const site = st.vars.get(a.text);
            if (site !== undefined) this.setState(st, site, mode === 'transfer' ? 'T' : 'E');
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
        // `*zv` copies the zval: a counted reference goes where the copy goes.
        if (mode !== 'read') {
          const site = this.boundSite(arg, st);
          if (site !== undefined && this.sites[site].family === 'zval-ref') {
            this.setState(st, site, mode === 'transfer' ? 'T' : 'E');
            return;
          }
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
      case 'call_expression': {
        // Z_OBJ_P(zv), Z_STR_P(zv)…: handing over what the zval holds hands over its reference.
        const f = calleeName(n);
        if (mode !== 'read' && f && ZVAL_ACCESSORS.has(f)) {
          for (const a of argsOf(n)) this.eval(a, st, mode);
          return;
        }
        // `return memcpy(p, …)`: memcpy & co. return their first argument, handed over with it.
        if (mode === 'transfer' && f && RETURNS_FIRST_ARGUMENT.has(f)) {
          argsOf(n).forEach((a, i) => this.eval(a, st, i === 0 ? 'transfer' : 'read'));
          return;
        }
        this.call(n, st, undefined);
        return;
      }
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
    // `Z_PARAM_BOOL(flag) ZEND_PARSE_PARAMETERS_END();` parses as a declaration whose
    // type is the macro call: the macro may assign the variables it names.
    const type = d.childForFieldName('type');
    if (type?.type === 'macro_type_specifier') {
      for (const id of type.descendantsOfType(['identifier', 'type_identifier'])) {
        if (!id || !this.locals.has(id.text)) continue;
        const site = st.vars.get(id.text);
        if (site !== undefined) this.setState(st, site, 'E');
        this.forget(st, id.text);
      }
    }
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
    if (l?.type === 'identifier' && this.watchGlobals.has(l.text) && !st.conds.has(`#g:${l.text}`)) {
      // Request code storing process memory into a global it never looked at on this path:
      // whatever the previous call stored there is overwritten without being freed.
      const r = strip(right);
      if (r?.type === 'call_expression' && this.processFamilyOf(r) !== undefined) {
        const id = this.call(r, st, l.text);
        if (id !== undefined) {
          this.sites[id].global = true;
          st.vars.set(l.text, id);
          st.conds.set(`#g:${l.text}`, true);
          return;
        }
      }
    }
    // `*out = emalloc(…)` / `*out = buf` into a pointer parameter: the caller gets the block (summaries).
    const outParam = this.outParamOf(l);
    if (outParam !== undefined) {
      this.eval(l!, st, 'read');
      const r = strip(right);
      let sid: number | undefined;
      if (r?.type === 'call_expression') sid = this.call(r, st, `*${outParam}`);
      else if (r?.type === 'identifier' && st.vars.has(r.text) && this.sites[st.vars.get(r.text)!].param === undefined && ['A', 'E'].includes(st.sites.get(st.vars.get(r.text)!) ?? '')) {
        sid = st.vars.get(r.text);
      } else this.storeElsewhere(right, st);
      if (sid !== undefined) {
        this.setState(st, sid, 'T');
        st.vars.set(`*${outParam}`, sid);
      } else st.vars.delete(`*${outParam}`);
      return;
    }
    // A field, a global, *out, an array element: the block is kept elsewhere.
    if (l) this.eval(l, st, 'read');
    this.storeElsewhere(right, st);
    // `Z_ADDREF_P(conn); result->conn_ptr = …;`: a reference taken for the structure this
    // function fills (released by that structure's destructor), not one it must drop.
    for (const [sid, state] of st.sites) {
      const site = this.sites[sid];
      if (state === 'A' && site.family === 'zval-ref' && ALLOCATORS[site.fn]?.bindArg !== undefined) this.setState(st, sid, 'E');
    }
  }

  /** `*p` for a pointer parameter `p` of a plain C function (an out-parameter): `p`, else undefined. */
  private outParamOf(l: Node | null | undefined): string | undefined {
    if (l?.type !== 'pointer_expression' || l.childForFieldName('operator')?.text !== '*') return undefined;
    const p = strip(l.childForFieldName('argument'));
    return p?.type === 'identifier' && this.isOutParam(p.text) ? p.text : undefined;
  }

  /** A pointer parameter of a plain C function (whose summary callers use), not reassigned as a local. */
  private isOutParam(name: string): boolean {
    if (this.unit.kind !== 'other' && this.unit.kind !== 'helper') return false;
    return this.unit.params.includes(name) && !!this.unit.outParams?.has(name) && !this.shadowed.has(name);
  }

  /** `x->f = value`, `global = value`: tracked pointers in value escape; a direct allocation is not tracked. */
  private storeElsewhere(value: Node, st: PState): void {
    const r = strip(value);
    if (r?.type === 'call_expression' && !ZVAL_ACCESSORS.has(calleeName(r) ?? '')) this.call(r, st, undefined);
    else if (chainedLocal(r)) {
      // `ce->table = table = pemalloc(…)`: table holds the block, and the structure keeps it.
      this.assign(r!, st);
      this.eval(strip(r!.childForFieldName('left'))!, st, 'escape');
    } else this.eval(value, st, 'escape');
  }

  /** `name = value` for a local variable. */
  private bind(name: string, value: Node, st: PState, at: Node): void {
    const old = st.vars.get(name);
    const r = strip(value);
    let next: number | undefined;
    const held = r?.type === 'call_expression' ? this.accessedZval(r, st) : undefined;
    if (held !== undefined) {
      // `s = Z_STR(retval)`: s names the reference retval holds (returned or released through s).
      next = held;
    } else if (r?.type === 'call_expression') {
      next = this.call(r, st, name);
    } else if (r?.type === 'identifier') {
      next = st.vars.get(r.text);
    } else if (chainedLocal(r)) {
      // `a = b = emalloc(…)`: both name the block.
      this.assign(r!, st);
      next = st.vars.get(strip(r!.childForFieldName('left'))!.text);
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
    for (const k of [...st.conds.keys()]) if (k.startsWith(`${ALIAS}${name}=`)) st.conds.delete(k);
    const v = strip(value);
    if (v && this.condAliases.has(`${v.startIndex}:${v.endIndex}`) && this.condAliases.get(`${v.startIndex}:${v.endIndex}`)!.id === v.id) {
      st.conds.set(`${ALIAS}${name}=${v.startIndex}:${v.endIndex}`, true);
    }
  }

  private site(call: Node, callee: Node, fn: string, family: Family, variable: string, alloc: Allocator, args: Node[], tag = ''): AllocSite {
    // (`tag`: one call making several blocks, `h = parse(p, &msg)`: one site each.)
    const key = this.nodeKey(call) + tag;
    let s = this.sitesByCall.get(key);
    if (!s) {
      s = { id: this.sites.length, call, callee, fn, family, variable, sizeBytes: sizeOf(alloc, args) };
      if (alloc.release) s.release = alloc.release;
      const via = this.via();
      if (via) s.via = via;
      this.sitesByCall.set(key, s);
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
    // A call other than a test macro (EG, Z_TYPE…): an exception seen later may be its own.
    // (Releases between the call and the test, `zval_ptr_dtor(&args[0])`, keep it.)
    if (!EXCEPTION_NEUTRAL.has(fn) && !fn.startsWith('Z_') && !DEALLOCATORS[fn]) forgetLastCall(st);
    if (ZVAL_SCALAR_SETTERS.has(fn) && args.length) {
      // ZVAL_UNDEF(&z) / ZVAL_NULL(zv): what the zval held is dropped (reported when it was ours).
      let v = strip(args[0]);
      if (v?.type === 'pointer_expression' && v.childForFieldName('operator')?.text === '&') v = strip(v.childForFieldName('argument'));
      if (v?.type === 'identifier') this.zvalOverwritten(st, v.text, n);
    }
    const alloc = ALLOCATORS[fn];
    if (alloc?.bindArg !== undefined) {
      // Z_ADDREF_P(zv), zval_copy_ctor(&tmp): the variable now holds one more reference.
      args.forEach((a, i) => {
        if (i !== alloc.bindArg) this.eval(a, st, 'read');
      });
      let v = strip(args[alloc.bindArg]);
      if (v?.type === 'pointer_expression' && v.childForFieldName('operator')?.text === '&') v = strip(v.childForFieldName('argument'));
      const family = familyOf(alloc, args);
      if (v?.type !== 'identifier' || !this.locals.has(v.text) || !family) return undefined;
      // Z_ADDREF_P(out) on a parameter: the reference is the one the caller's zval now holds.
      if (this.unit.params.includes(v.text)) return undefined;
      if (st.conds.has(`#esc:${v.text}`)) return undefined;
      const held = st.vars.get(v.text);
      if (held !== undefined && st.sites.get(held) === 'A') return undefined;
      const s = this.site(n, callee, fn, family, v.text, alloc, args);
      st.vars.set(v.text, s.id);
      st.sites.set(s.id, 'A');
      this.forget(st, v.text);
      return undefined;
    }
    if (alloc) {
      const cp = COPIES[fn];
      const copied = cp?.dupArg !== undefined && cp.dupArg < args.length && constValue(args[cp.dupArg]) === 0 ? cp.arg : -1;
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
        } else if (i === copied) {
          this.eval(a, st, 'transfer'); // PHP 5: ZVAL_STRING(&z, s, 0) takes ownership of s
        } else if (!this.isZvalAddress(a, st)) this.eval(a, st, 'read');
        // (`call_user_function(…, &fname, &rv, 1, &arg)`: the function name and the arguments are only read.)
      });
      // PHP 5: ZVAL_STRING(&z, "literal", 0) lets the zval point at the string: no new reference.
      const family = copied >= 0 && alloc.outArg !== undefined ? undefined : familyOf(alloc, args);
      if (alloc.fciArg !== undefined) {
        // zend_call_function(&fci, &fcc) after `fci.retval = &rv;`: rv now holds the result.
        const v = this.fciRetvalOf(n);
        if (v !== undefined && family) this.fillOut(n, callee, fn, family, v, alloc, args, st);
        return undefined;
      }
      if (alloc.outArg !== undefined) {
        const a = strip(args[alloc.outArg]);
        const v = a?.type === 'pointer_expression' && a.childForFieldName('operator')?.text === '&' ? strip(a.childForFieldName('argument')) : null;
        if (v?.type === 'identifier' && this.locals.has(v.text) && family) {
          this.fillOut(n, callee, fn, family, v.text, alloc, args, st);
        } else if (family === 'zval-ref' && ZVAL_MAKERS.has(fn) && a?.type === 'identifier' && this.callerZval(a.text)) {
          // array_init(return_value), object_init_ex(zv, ce) on a `zval *zv` parameter: the caller's zval
          // now holds a value this function made (handed over at the exits, lost if overwritten first).
          const s = this.site(n, callee, fn, family, a.text, alloc, args);
          s.outZval = true;
          const old = st.vars.get(a.text);
          if (old !== undefined && old !== s.id && st.sites.get(old) === 'A' && this.sites[old].outZval) {
            this.leak(old, { kind: 'overwrite', node: n });
            st.sites.set(old, 'L');
          }
          st.vars.set(a.text, s.id);
          st.sites.set(s.id, 'A');
          this.forget(st, a.text);
        } else if (a?.type === 'identifier' && family && family !== 'zval-ref' && this.isOutParam(a.text)) {
          // spprintf(out, …) on a `char **out` parameter: *out is the caller's new block (summaries).
          const s = this.site(n, callee, fn, family, `*${a.text}`, alloc, args);
          st.sites.set(s.id, 'A');
          this.setState(st, s.id, 'T');
          st.vars.set(`*${a.text}`, s.id);
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
      if (alloc.nothingOnException) st.conds.set(`${LAST_CALL}${s.id}`, true);
      return s.id;
    }
    const dealloc = DEALLOCATORS[fn];
    if (dealloc) {
      args.forEach((a, i) => {
        if (i !== dealloc.arg) this.eval(a, st, 'read');
      });
      this.release(n, fn, args[dealloc.arg], st, deallocFamilies(fn, args));
      return undefined;
    }
    const transfer = TRANSFERS[fn];
    const copy = COPIES[fn];
    let moved: number | undefined;
    if (transfer) {
      moved = transfer.arg;
      const cd = transfer.copyDtorArgs;
      // RETURN_ZVAL(zv, 1, 0): a copy; the caller keeps its reference.
      if (cd && constValue(args[cd[0]]) === 1 && constValue(args[cd[1]]) === 0) moved = undefined;
    } else if (copy && copy.dupArg !== undefined && copy.dupArg < args.length && constValue(args[copy.dupArg]) === 0) {
      moved = copy.arg; // PHP 5: RETURN_STRING(s, 0) takes ownership of s
    }
    if (transfer || copy || READERS.has(fn) || NORETURN.has(fn) || /^(RETURN|RETVAL)_/.test(fn)) {
      args.forEach((a, i) => {
        if (i !== moved && this.isZvalAddress(a, st)) return;
        this.eval(a, st, i === moved ? 'transfer' : 'read');
      });
      return undefined;
    }
    const sum = this.summaries(fn);
    if (sum) {
      // A function of the file (or the workspace) with a summary.
      args.forEach((a, i) => {
        const eff = sum.params[i];
        if (!eff) this.eval(a, st, 'escape');
        // `helper(&zv)` of a parameter the helper only reads: the zval keeps its reference.
        else if (eff.kind === 'read') {
          if (!this.isZvalAddress(a, st)) this.eval(a, st, 'read');
        }
        else if (eff.kind === 'transfer') this.eval(a, st, 'transfer');
        else this.release(n, fn, a, st, eff.families);
      });
      // `helper(&buf)` of a parameter the helper fills: buf now owns its block.
      sum.fills?.forEach((fill, i) => {
        const name = fill ? this.addressedLocal(args[i]) : undefined;
        if (fill && name !== undefined) {
          const s = this.fillOut(n, callee, fn, fill.family, name, { family: fill.family, failsWhen: fill.failsWhen }, args, st, `#out${i}`);
          if (fill.family === 'zval-ref') s.byAddress = true;
        }
      });
      if (!sum.returns || target === undefined) return undefined;
      const s = this.site(n, callee, fn, sum.returns, target, { family: sum.returns }, args);
      s.viaSummary = true;
      if (st.sites.get(s.id) === 'A' && ![...st.vars].some(([v, x]) => v !== target && x === s.id)) {
        this.leak(s.id, { kind: 'overwrite', node: n.parent ?? n });
      }
      st.sites.set(s.id, 'A');
      return s.id;
    }
    // A same-file macro whose body is one call (`#define _ZVAL_STRING(z, s) ZVAL_STRING(z, s)`):
    // that call, with the arguments substituted (also inside an expression, where the CFG does not expand).
    const body = this.macroCall(fn, args);
    if (body) {
      const outer = this.exprMacro;
      const x = this.current?.expansion;
      this.exprMacro = outer
        ? { invocation: outer.invocation, macros: [...outer.macros, fn], key: `${outer.key}/${this.nodeKey(n)}` }
        : { invocation: x ? x.invocation : n, macros: [...(x ? x.macros : []), fn], key: `m${this.nodeKey(n)}` };
      try {
        return this.call(body, st, target);
      } finally {
        this.exprMacro = outer;
      }
    }
    // An unknown function or macro may keep what it is given, and a macro may
    // assign a variable passed by name (Z_PARAM_BOOL(flag)): forget what the path knew of it.
    // A refcounted string given to a function (not a macro) is lent: a callee keeping it takes a
    // reference of its own (zend_string_copy); the API table lists the calls that take it over.
    const lends = fn !== fn.toUpperCase();
    const consumed = STRING_CONSUMERS[fn] ?? [];
    for (const [i, a] of args.entries()) {
      const lent = strip(a);
      const sid = lent?.type === 'identifier' ? st.vars.get(lent.text) : undefined;
      if (lends && !consumed.includes(i) && sid !== undefined && this.sites[sid].param === undefined && LENT_FAMILIES.has(this.sites[sid].family)) {
        this.forget(st, lent!.text);
        continue;
      }
      this.eval(a, st, 'escape');
      const v = strip(a);
      if (v?.type === 'identifier' && this.locals.has(v.text)) this.forget(st, v.text);
    }
    return undefined;
  }

  /** `Z_STR(zv)`, `Z_OBJ_P(&zv)`…: the owned zval-ref site a local zval `zv` holds, else undefined. */
  private accessedZval(call: Node, st: PState): number | undefined {
    const f = calleeName(call);
    const args = argsOf(call);
    if (!f || !ZVAL_ACCESSORS.has(f) || args.length !== 1) return undefined;
    let v = strip(args[0]);
    if (v?.type === 'pointer_expression' && v.childForFieldName('operator')?.text === '&') v = strip(v.childForFieldName('argument'));
    const sid = v?.type === 'identifier' ? st.vars.get(v.text) : undefined;
    return sid !== undefined && this.sites[sid].family === 'zval-ref' && this.sites[sid].param === undefined && st.sites.get(sid) === 'A' ? sid : undefined;
  }

  /** `&v` for a local `v`: `v`, else undefined. */
  private addressedLocal(a: Node | undefined): string | undefined {
    const e = strip(a);
    if (e?.type !== 'pointer_expression' || e.childForFieldName('operator')?.text !== '&') return undefined;
    const v = strip(e.childForFieldName('argument'));
    return v?.type === 'identifier' && this.locals.has(v.text) ? v.text : undefined;
  }

  /** An out-argument allocator's call `n` fills the local `name` with a new block of `family`. */
  private fillOut(n: Node, callee: Node, fn: string, family: Family, name: string, alloc: Allocator, args: Node[], st: PState, tag = ''): AllocSite {
    const s = this.site(n, callee, fn, family, name, alloc, args, tag);
    const old = st.vars.get(name);
    if (old !== undefined && old !== s.id && st.sites.get(old) === 'A' && ![...st.vars].some(([x, y]) => x !== name && y === old)) {
      this.leak(old, { kind: 'overwrite', node: n });
      st.sites.set(old, 'L');
    }
    st.vars.set(name, s.id);
    st.sites.set(s.id, 'A');
    this.forget(st, name);
    if (alloc.nothingOnException) st.conds.set(`${LAST_CALL}${s.id}`, true);
    return s;
  }

  /**
   * The local zval a `zend_call_function(&fci, …)`-like call fills: the one every
   * `fci.retval = &rv` (or `pfci->retval = &rv` for a call given `pfci`) of the function names.
   */
  private fciRetvalOf(call: Node): string | undefined {
    const i = ALLOCATORS[calleeName(call) ?? '']?.fciArg;
    if (i === undefined) return undefined;
    const a = strip(argsOf(call)[i]);
    if (!a) return undefined;
    const key = a.type === 'pointer_expression' && a.childForFieldName('operator')?.text === '&' ? strip(a.childForFieldName('argument'))?.text : `${a.text}->`;
    const v = key === undefined ? undefined : this.fciRetvals.get(key);
    return v ?? undefined;
  }

  /** The one call a same-file function-like macro's body is, with `args` substituted (at most 8 deep). */
  private macroCall(fn: string, args: Node[]): Node | undefined {
    if (!this.macros || (this.exprMacro?.macros.length ?? 0) >= 8 || !this.macros.table.has(fn)) return undefined;
    const stmts = this.macros.table.expand(fn, args, (b) => b.length === 1 && b[0].type === 'expression_statement');
    const e = strip(stmts?.[0]?.namedChildren[0]);
    return e?.type === 'call_expression' && calleeName(e) !== fn ? e : undefined;
  }

  /** `return_value` of request code, or a pointer parameter (a zval the caller passed to be filled). */
  private callerZval(name: string): boolean {
    if (name === 'return_value') return this.unit.kind === 'request' && !this.locals.has(name);
    return this.unit.params.includes(name) && !!this.unit.pointerParams?.has(name);
  }

  /** A deallocator (or a function summarised as releasing this argument) releases `a`. */
  private release(n: Node, fn: string, a: Node | undefined, st: PState, families: Family[] | undefined): void {
    const ev = this.deallocEvent(n, fn, families, a);
    const site = this.boundSite(a, st);
    if (site === undefined) {
      ev.seen.push({});
      if (a) this.eval(a, st, 'escape');
      return;
    }
    const state = st.sites.get(site);
    const param = this.sites[site].param;
    if (param !== undefined) {
      // A parameter of the function being summarised: never judged here.
      ev.seen.push({});
      if (state === 'A') {
        st.sites.set(site, 'R');
        let f = this.paramFamilies.get(param);
        if (!f) this.paramFamilies.set(param, (f = new Set()));
        f.add(families ? [...families].sort().join(',') : '?');
      }
      return;
    }
    ev.seen.push({ site: this.sites[site], state });
    if (state === 'A') {
      st.sites.set(site, 'R');
      this.handled.add(site);
      let m = this.releases.get(site);
      if (!m) this.releases.set(site, (m = new Map()));
      const via = this.via();
      m.set(via ? `${via.invocation.startIndex}:${via.invocation.endIndex}` : this.nodeKey(n), via?.invocation ?? n);
    }
  }

  private deallocEvent(n: Node, fn: string, families: Family[] | undefined, arg: Node | undefined): DeallocEvent {
    const key = `${this.nodeKey(n)}:${arg?.startIndex ?? -1}`;
    let ev = this.deallocs.get(key);
    if (!ev) {
      ev = { call: n, fn, seen: [], families };
      const via = this.via();
      if (via) ev.via = via;
      this.deallocs.set(key, ev);
    }
    return ev;
  }
}

function hasErrorNode(n: Node): boolean {
  // hasError (one call) is false when no node below is ERROR or MISSING: no walk needed then.
  if (!n.hasError) return false;
  return n.descendantsOfType('ERROR').length > 0 || n.isError;
}

/**
 * Deeper than this, the recursive CFG builder and expression evaluator could
 * exhaust the stack (10,000 nested blocks, a 60,000-term `a + a + …`): such a
 * unit is skipped. Real code stays far below (found by the fuzz harness).
 */
const MAX_TREE_DEPTH = 500;

/** Whether the tree under n is deeper than MAX_TREE_DEPTH (an iterative cursor walk). */
function tooDeep(n: Node): boolean {
  // A depth needs as many nodes below: a small body (one call) needs no walk.
  if (n.descendantCount <= MAX_TREE_DEPTH) return false;
  const c = n.walk();
  try {
    let depth = 0;
    for (;;) {
      if (c.gotoFirstChild()) {
        if (++depth > MAX_TREE_DEPTH) return true;
        continue;
      }
      while (!c.gotoNextSibling()) {
        if (!c.gotoParent()) return false;
        depth--;
      }
    }
  } finally {
    c.delete();
  }
}

export interface AnalyzeOptions {
  /** Summaries of the functions the unit may call (same file first, then the workspace). */
  summaries?: SummaryLookup;
  /** The file's globals and file-level statics. */
  globals?: { has(name: string): boolean };
  /** Same-file macros to expand. */
  macros?: MacroContext;
}

/** Analyses one function unit. Never throws on odd syntax: units with ERROR nodes are skipped. */
export function analyzeUnit(unit: FunctionUnit, opts: AnalyzeOptions = {}): UnitAnalysis {
  if (hasErrorNode(unit.body)) {
    return { unit, sites: [], deallocs: [], skipped: 'syntax errors', shadowed: new Set(), scopes: new Map() };
  }
  if (tooDeep(unit.body)) {
    return { unit, sites: [], deallocs: [], skipped: 'nesting too deep', shadowed: new Set(), scopes: new Map() };
  }
  const cfg = buildCfg(unit.body, opts.macros);
  return new UnitAnalyzer(unit, cfg, opts.summaries, opts.globals, opts.macros).run();
}

/**
 * The units in an order where a function comes after the plain C functions it
 * calls (callees first; recursion broken arbitrarily), so each can use their summaries.
 */
function calleesFirst(units: FunctionUnit[]): FunctionUnit[] {
  const byName = new Map<string, FunctionUnit>();
  for (const u of units) if ((u.kind === 'other' || u.kind === 'helper') && !byName.has(u.name)) byName.set(u.name, u);
  const done = new Set<FunctionUnit>();
  const out: FunctionUnit[] = [];
  for (const root of units) {
    if (done.has(root)) continue;
    // Iterative post-order DFS.
    const stack: Array<[FunctionUnit, string[] | undefined]> = [[root, undefined]];
    done.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (!top[1]) top[1] = [...calleesIn(top[0].body)];
      const next = top[1].pop();
      if (next === undefined) {
        out.push(top[0]);
        stack.pop();
        continue;
      }
      const u = byName.get(next);
      if (u && !done.has(u)) {
        done.add(u);
        stack.push([u, undefined]);
      }
    }
  }
  return out;
}

/** ctx.checkBudget of the analysis under way (set by analyzeOwnership, called in the worklist). */
let checkBudget: () => void = () => undefined;

/**
 * Parses and analyses a C document. The caller (ctx.shared) disposes it, which
 * deletes the tree. `external` answers for functions of other files of the
 * workspace (single-file mode: none). Plain C functions are analysed callees
 * first; each one's summary serves its callers in the file.
 */
export function analyzeOwnership(
  text: string,
  budget: () => void = () => undefined,
  external?: SummaryLookup,
  /** Only what summaries need: PHP_FUNCTION / lifecycle units (never callees) are not analysed. */
  summariesOnly = false,
  /**
   * The document's path (the editor's analyses): its previous tree is reused for an incremental
   * parse, and from its second analysis on the functions whose text and outside reads are
   * unchanged reuse their results (cache.ts).
   */
  docKey?: string,
  /** The file's path when summarising a sibling: the tree and results are kept for its own analysis (prepared.ts). */
  prepareKey?: string,
  /**
   * Runs work outside the document's time budget (ctx.outsideBudget): with it, the document's
   * analysis also derives what summarizeFile would give (`standalone`), re-analysing the few
   * plain functions that read another file's summary.
   */
  outside?: <T>(work: (check: () => void) => T) => T,
): OwnershipAnalysis {
  // Work a summary pass (or a parse for the defined functions) already did on this text.
  const stashKey = summariesOnly ? prepareKey : docKey;
  const prepared = stashKey !== undefined && preparedEnabled() ? takePrepared(stashKey, text) : undefined;
  let tree: Tree | undefined;
  try {
    tree = prepared ? prepared.tree : parseC(text, budget, docKey);
  } catch (e) {
    prepared?.analysis?.macros.dispose();
    throw e;
  }
  if (prepared && docKey !== undefined && !summariesOnly) rememberTree(docKey, text, tree);
  const cached = docKey !== undefined && cacheServes(docKey);
  // A summary pass's per-function results, for this analysis to reuse (not in the editor's cached mode).
  let prior = prepared?.analysis;
  if (prior && (cached || summariesOnly)) {
    prior.macros.dispose();
    prior = undefined;
  }
  let macros: MacroTable | undefined;
  // A workspace summary may analyse another file while this one is under way: restore, not reset.
  const outerBudget = checkBudget;
  checkBudget = budget;
  try {
    const root = tree.rootNode;
    const units = prior?.units ?? findUnits(root);
    const globals = prior?.globals ?? fileGlobals(root);
    macros = prior?.macros ?? new MacroTable(root);
    const summaries = new Map<string, FunctionSummary>();
    const local = new Set(units.filter((u) => u.kind === 'other' || u.kind === 'helper').map((u) => u.name));
    const lookup: SummaryLookup = (name) => summaries.get(name) ?? (local.has(name) ? undefined : external?.(name));
    const macroCtx: MacroContext = { table: macros, known: (name) => !!lookup(name) };
    const results = new Map<FunctionUnit, UnitAnalysis>();
    const order = calleesFirst(units);
    // What each plain function read outside its text: for summarizeFile's view of this
    // analysis (`standalone`), and for a summary pass that will be kept (prepared.ts).
    const standalone = external !== undefined && !cached && !summariesOnly && outside !== undefined;
    const keep = summariesOnly && prepareKey !== undefined && preparedEnabled();
    const readsOf = standalone || keep ? new Map<FunctionUnit, Map<string, FunctionSummary | undefined>>() : undefined;
    const table = macros;
    for (const u of order) {
      const plain = u.kind !== 'request' && u.kind !== 'lifecycle';
      if (summariesOnly && !plain) continue;
      let ua: UnitAnalysis | undefined;
      const before = plain ? prior?.done.get(u) : undefined;
      if (cached) {
        const key = unitKey(u);
        ua = reuse(key, u, lookup, macros, globals);
        if (!ua) {
          const rec = new Recorder(lookup, macros, globals);
          ua = analyzeUnit(u, { summaries: rec.lookup, globals: rec.globalSet, macros: rec.macroCtx });
          store(key, ua, rec);
        }
      } else if (before && [...before.reads].every(([name, s]) => sameSummary(lookup(name), s))) {
        // Every summary it read has the answer the summary pass got: the same analysis.
        ua = before.ua;
        readsOf?.set(u, before.reads);
      } else if (readsOf && plain) {
        const reads = new Map<string, FunctionSummary | undefined>();
        const seen: SummaryLookup = (name) => {
          const s = lookup(name);
          if (!reads.has(name)) reads.set(name, s);
          return s;
        };
        ua = analyzeUnit(u, { summaries: seen, globals, macros: { table, known: (name) => !!seen(name) } });
        readsOf.set(u, reads);
      } else ua = analyzeUnit(u, { summaries: lookup, globals, macros: macroCtx });
      results.set(u, ua);
      if (ua.summary && !summaries.has(u.name) && !ua.skipped) summaries.set(u.name, ua.summary);
    }
    const alone = standalone ? standaloneSummaries(order, results, readsOf!, globals, table, outside!) : undefined;
    const m = macros;
    return {
      units: units.map((u) => results.get(u)).filter((ua): ua is UnitAnalysis => ua !== undefined),
      summaries,
      standalone: standalone ? { defined: local, summaries: alone } : undefined,
      macroDefinition: (name) => m.definition(name),
      dispose() {
        if (!tree) return;
        // A kept summary pass waits for the file's own analysis; anything else is freed.
        if (keep) {
          const done = new Map<FunctionUnit, { ua: UnitAnalysis; reads: Map<string, FunctionSummary | undefined> }>();
          for (const [u, reads] of readsOf!) done.set(u, { ua: results.get(u)!, reads });
          putPrepared(prepareKey!, { text, tree, analysis: { units, globals, macros: m, done } });
        } else {
          m.dispose();
          tree.delete();
        }
        tree = undefined;
      },
    };
  } catch (e) {
    macros?.dispose();
    tree.delete();
    throw e;
  } finally {
    checkBudget = outerBudget;
  }
}

/**
 * What summarizeFile gives for the file just analysed, from that analysis: a plain function
 * whose reads all get summarizeFile's answers (no other file's summary) keeps its result, the
 * others are analysed again as summarizeFile would, in the same order, outside the document's
 * budget with a budget of their own (as a sibling's summary pass runs). Undefined when that
 * budget runs out.
 */
function standaloneSummaries(
  order: FunctionUnit[],
  results: Map<FunctionUnit, UnitAnalysis>,
  readsOf: Map<FunctionUnit, Map<string, FunctionSummary | undefined>>,
  globals: Set<string>,
  table: MacroTable,
  outside: <T>(work: (check: () => void) => T) => T,
): Map<string, FunctionSummary> | undefined {
  const alone = new Map<string, FunctionSummary>();
  const lookup: SummaryLookup = (name) => alone.get(name);
  const macroCtx: MacroContext = { table, known: (name) => !!alone.get(name) };
  const run = (redo: boolean): boolean => {
    for (const u of order) {
      if (u.kind === 'request' || u.kind === 'lifecycle') continue;
      let ua = results.get(u)!;
      const reads = readsOf.get(u);
      if (!reads || ![...reads].every(([name, s]) => sameSummary(s, alone.get(name)))) {
        if (!redo) return false;
        ua = analyzeUnit(u, { summaries: lookup, globals, macros: macroCtx });
      }
      if (ua.summary && !alone.has(u.name) && !ua.skipped) alone.set(u.name, ua.summary);
    }
    return true;
  };
  if (run(false)) return exported(alone);
  alone.clear();
  const outerBudget = checkBudget;
  try {
    return outside((check) => {
      checkBudget = check;
      run(true);
      return exported(alone);
    });
  } catch (e) {
    if ((e as Error | undefined)?.name === 'AnalysisBudgetExceeded') return undefined;
    throw e;
  } finally {
    checkBudget = outerBudget;
  }
}

/** The summaries other files may use: the file's non-static functions (plain data; the tree is deleted, or kept for the file's own analysis). */
export function summarizeFile(text: string, budget?: () => void, prepareKey?: string): Map<string, FunctionSummary> {
  const a = analyzeOwnership(text, budget, undefined, true, undefined, prepareKey);
  try {
    return exported(a.summaries);
  } finally {
    a.dispose();
  }
}

/** The summaries other files may use: non-static functions that allocate or do something with a parameter. */
function exported(summaries: Map<string, FunctionSummary>): Map<string, FunctionSummary> {
  const out = new Map<string, FunctionSummary>();
  for (const [name, s] of summaries) if (!s.isStatic && (s.returns || s.params.some((p) => p) || s.fills)) out.set(name, s);
  return out;
}

/** The same answer to a summary lookup (plain data: compared by value, as cache.ts does). */
function sameSummary(a: FunctionSummary | undefined, b: FunctionSummary | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export { FAMILIES };
