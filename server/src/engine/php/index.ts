// The PHP workspace index: classes, methods, calls and request entry points of
// every PHP file, built from per-file facts (WorkspaceView.fileFact: an edit
// re-derives one file), and the request reachability it answers.
//
// Entry points (one request per call): webman / Hyperf / Laravel / Symfony
// controller actions, PSR-15 and webman middleware `process()`, Laravel
// middleware `handle()`, AMPHP `RequestHandler::handleRequest()`, closures
// registered as request handlers (Swoole `on('request')`, Workerman
// `onMessage`, ReactPHP `new HttpServer(fn)`, AMPHP `ClosureRequestHandler`,
// FrankenPHP `frankenphp_handle_request`) and worker loops (RoadRunner
// `while ($req = $worker->waitRequest())`, a `stream_socket_accept` loop).
//
// Calls followed (a cheap call graph, depth-bounded): `$this->m()`, `self::`,
// `static::`, `parent::`, `X::m()`, `new X` (its constructor), `$v->m()` where
// `$v` is a typed parameter, `new X` or `X::instance()`, `$this->p->m()` where
// `p` has a declared class type, `X::instance()->m()`, `app(X::class)->m()`,
// plain functions, and `[$this, 'm']` callables. A call under a condition, a
// loop or in a nested closure is "conditional"; growth reached from an entry
// through unconditional calls only runs on every request the entry handles.
import { parsePhp, type PhpNode } from './parse';
import { buildFileModel, controllerKindOf, handlerLabelOf, nameOf, resolveClassName, shortName, type ClassInfo, type FunctionScope, type OwnedNode, type PhpFileModel } from './scopes';
import type { RuleContext, WorkspaceView } from '../types';

/** At most this many PHP files are indexed (beyond: the index is partial and "not reached" is not claimed). */
export const MAX_INDEX_FILES = 4000;
/** Calls followed from an entry point. */
export const MAX_CALL_DEPTH = 8;

type Target = { m: [string, string] } | { f: string[] };

interface CallFact {
  targets: Target[];
  uncond: boolean;
}

interface UnitFact {
  id: string;
  calls: CallFact[];
}

interface ClassFact {
  fq: string;
  extendsFq?: string;
  methods: string[];
  longLived?: string;
  /** A webman controller: long-lived unless the workspace turns `controller_reuse` off. */
  webmanController?: boolean;
}

export interface EntryFact {
  unit: string;
  label: string;
}

export interface FileFacts {
  classes: ClassFact[];
  units: UnitFact[];
  entries: EntryFact[];
  /** Classes a DI container keeps as singletons (`$this->app->singleton(X::class, …)`), fq -> why. */
  singletons: Array<[string, string]>;
  /** webman's `config/app.php`: the literal value of `'controller_reuse'`, when it has one. */
  controllerReuse?: boolean;
}

export interface ReachInfo {
  /** The entry label, the number of calls from it, and whether every call on the way is unconditional. */
  label: string;
  depth: number;
  uncond: boolean;
}

export interface PhpIndex {
  entries: EntryFact[];
  /** True when the workspace had more PHP files than were indexed. */
  partial: boolean;
  /** Files the index covers. */
  files: Set<string>;
  longLived: Map<string, string>;
  /** webman's `controller_reuse` is turned off in the workspace's `config/app.php`: controllers live one request. */
  controllerReuseOff?: boolean;
  /** Reached units: the best path (unconditional first, then shortest). */
  reach: Map<string, ReachInfo>;
}

// ---------------------------------------------------------------------------
// Per-file facts

const SCALARS = /^(array|string|int|float|bool|mixed|iterable|callable|object|self|static|null|false|true|void|never)$/i;

function fnFq(model: PhpFileModel, name: string): string {
  return model.namespace ? `${model.namespace}\\${name.toLowerCase()}` : name.toLowerCase();
}

/** The call-graph unit a scope's code belongs to, and whether running the scope means running all of the unit. */
export function unitOf(scope: FunctionScope, model: PhpFileModel): { id: string; direct: boolean } | undefined {
  if (scope.kind === 'method' && scope.cls) return { id: `m:${scope.cls.fq}::${scope.methodName ?? ''}`, direct: true };
  if (scope.kind === 'function') return { id: `f:${fnFq(model, nameOf(scope.node.name) ?? '')}`, direct: true };
  if (scope.kind === 'closure' || scope.kind === 'arrowfunc') {
    if (scope.handler) return { id: `c:${model.path ?? ''}#${scope.node.loc?.start.offset ?? 0}`, direct: true };
    const outer = scope.outer ? unitOf(scope.outer, model) : undefined;
    return outer ? { id: outer.id, direct: false } : undefined;
  }
  return undefined;
}

const CONDITIONAL_BIN = new Set(['&&', '||', '??', 'and', 'or']);
const LOOPS = new Set(['while', 'do', 'for', 'foreach']);

/** Does the node at `o` run whenever the code from `fromIndex` of its parent chain runs? */
export function isUnconditional(o: OwnedNode, fromIndex = 0): boolean {
  const chain = [...o.parents, o.node];
  for (let i = fromIndex; i < chain.length - 1; i++) {
    const p = chain[i];
    const c = chain[i + 1];
    if (p.kind === 'if' && c !== p.test) return false;
    if (p.kind === 'switch' && c !== p.test) return false;
    if (p.kind === 'match' && c !== p.cond) return false;
    if (LOOPS.has(p.kind) && c === p.body) return false;
    if (p.kind === 'for' && (p.increment ?? []).includes(c)) return false;
    if (p.kind === 'retif' && c !== p.test) return false;
    if (p.kind === 'bin' && CONDITIONAL_BIN.has(p.type) && c === p.right) return false;
    if (p.kind === 'assign' && p.operator === '??=' && c === p.right) return false;
    if (p.kind === 'catch') return false;
  }
  return true;
}

/** The units the node at `o` (in `scope`) belongs to, with whether it runs every time the unit runs. */
export function unitsAt(scope: FunctionScope, o: OwnedNode, model: PhpFileModel): Array<{ id: string; uncond: boolean }> {
  const out: Array<{ id: string; uncond: boolean }> = [];
  const at = o.node.loc?.start.offset ?? -1;
  for (const loop of model.loops) {
    if (loop.scope !== scope || at < loop.body.start || at >= loop.body.end) continue;
    const idx = [...o.parents, o.node].indexOf(loop.node.body);
    out.push({ id: `l:${model.path ?? ''}#${loop.node.loc?.start.offset ?? 0}`, uncond: idx >= 0 && isUnconditional(o, idx) });
  }
  let s: FunctionScope | undefined = scope;
  let uncond = isUnconditional(o);
  while (s) {
    if (s.kind === 'file') break;
    const u = unitOf(s, model);
    if (!u) break;
    if (s.kind === 'method' || s.kind === 'function' || s.handler) {
      out.push({ id: u.id, uncond });
      break;
    }
    // A nested closure: it may or may not run when its enclosing unit runs.
    uncond = false;
    s = s.outer;
  }
  return out;
}

function classTarget(what: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel): string | undefined {
  if (!what) return undefined;
  if (what.kind === 'selfreference' || what.kind === 'staticreference') return scope.cls?.fq;
  if (what.kind === 'parentreference') return scope.cls?.extendsFq;
  if (what.kind === 'name' && typeof what.name === 'string') {
    const r = resolveClassName(what.name, model, what.resolution);
    if (r === 'self' || r === 'static') return scope.cls?.fq;
    if (r === 'parent') return scope.cls?.extendsFq;
    return r;
  }
  return undefined;
}

/** `X::class` -> fq of X. */
function classConstOf(n: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel): string | undefined {
  if (n?.kind === 'staticlookup' && n.offset?.kind === 'identifier' && nameOf(n.offset)?.toLowerCase() === 'class') return classTarget(n.what, scope, model);
  return undefined;
}

const INSTANCE_GETTERS = /^(instance|getinstance|make|create|singleton|shared|get)$/;

function varTypes(scope: FunctionScope, model: PhpFileModel): Map<string, string> {
  const types = new Map<string, string>();
  for (const p of Array.isArray(scope.node.arguments) ? scope.node.arguments : []) {
    const t = p?.type?.kind === 'name' ? nameOf(p.type) : undefined;
    const n = nameOf(p?.name);
    if (n && t && !SCALARS.test(t)) types.set(n, resolveClassName(t, model, p.type.resolution));
  }
  for (const o of scope.owned) {
    const n = o.node;
    if (n.kind === 'assign' && n.operator === '=' && n.left?.kind === 'variable' && typeof n.left.name === 'string') {
      const t = exprType(n.right, scope, model, types);
      if (t) types.set(n.left.name, t);
    }
  }
  return types;
}

/** The class of an expression's value, when it is plain to see. */
function exprType(e: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel, types: Map<string, string>): string | undefined {
  if (!e) return undefined;
  if (e.kind === 'new') return classTarget(e.what, scope, model);
  if (e.kind === 'variable' && typeof e.name === 'string') return e.name === 'this' ? scope.cls?.fq : types.get(e.name);
  if ((e.kind === 'propertylookup' || e.kind === 'nullsafepropertylookup') && e.what?.kind === 'variable' && e.what.name === 'this') {
    return scope.cls?.propTypes.get(nameOf(e.offset) ?? '');
  }
  if (e.kind === 'call') {
    const w = e.what;
    // X::instance(), X::getInstance(): the class itself.
    if (w?.kind === 'staticlookup' && w.offset?.kind === 'identifier' && INSTANCE_GETTERS.test((nameOf(w.offset) ?? '').toLowerCase())) {
      const fromArg = classConstOf(e.arguments?.[0], scope, model);
      return fromArg ?? classTarget(w.what, scope, model);
    }
    // app(X::class), make(X::class), $container->get(X::class), resolve(X::class)
    const fname = w?.kind === 'name' ? shortName(nameOf(w) ?? '') : undefined;
    const mname = w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup' ? (nameOf(w.offset) ?? '').toLowerCase() : undefined;
    if ((fname && /^(app|make|resolve|container|di)$/.test(fname)) || (mname && /^(get|make|resolve)$/.test(mname))) return classConstOf(e.arguments?.[0], scope, model);
  }
  return undefined;
}

function targetsOfCall(n: PhpNode, scope: FunctionScope, model: PhpFileModel, types: () => Map<string, string>): Target[] {
  if (n.kind === 'new') {
    const c = classTarget(n.what, scope, model);
    return c ? [{ m: [c, '__construct'] }] : [];
  }
  if (n.kind !== 'call') return [];
  const w = n.what;
  if (w?.kind === 'name' && typeof w.name === 'string') {
    const raw = w.name.toLowerCase().replace(/^\\/, '');
    if (w.resolution === 'fqn' || raw.includes('\\')) return [{ f: [raw] }];
    return [{ f: model.namespace ? [`${model.namespace}\\${raw}`, raw] : [raw] }];
  }
  if (w?.kind === 'staticlookup' && w.offset?.kind === 'identifier') {
    const c = classTarget(w.what, scope, model);
    return c ? [{ m: [c, (nameOf(w.offset) ?? '').toLowerCase()] }] : [];
  }
  if ((w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup') && w.offset?.kind === 'identifier') {
    const c = exprType(w.what, scope, model, types());
    return c ? [{ m: [c, (nameOf(w.offset) ?? '').toLowerCase()] }] : [];
  }
  return [];
}

/** `[$this, 'm']`, `[X::class, 'm']`, `'X::m'` given as a callable argument. */
function callableTarget(a: PhpNode | undefined, scope: FunctionScope, model: PhpFileModel): Target | undefined {
  if (a?.kind !== 'array' || (a.items ?? []).length !== 2) return undefined;
  const [first, second] = (a.items as PhpNode[]).map((it) => (it?.kind === 'entry' ? it.value : it));
  if (second?.kind !== 'string') return undefined;
  const cls = first?.kind === 'variable' && first.name === 'this' ? scope.cls?.fq : classConstOf(first, scope, model);
  return cls ? { m: [cls, String(second.value).toLowerCase()] } : undefined;
}

/** Registrations that make a class a container singleton: `->singleton(X::class, …)`, `->instance(X::class, …)`. */
function singletonRegistration(n: PhpNode, scope: FunctionScope, model: PhpFileModel): string | undefined {
  if (n.kind !== 'call') return undefined;
  const w = n.what;
  const m = w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup' || w?.kind === 'staticlookup' ? (nameOf(w.offset) ?? '').toLowerCase() : '';
  // (`->instance(X::class, $obj)` is left out: Laravel's router binds the current Route with it on every request.)
  if (m !== 'singleton' && m !== 'singletonif') return undefined;
  const args: PhpNode[] = n.arguments ?? [];
  if (args.length === 0) return undefined;
  const a0 = classConstOf(args[0], scope, model);
  if (a0) return a0;
  const a1 = classConstOf(args[1], scope, model);
  if (a1) return a1;
  const f = args[1];
  if ((f?.kind === 'closure' || f?.kind === 'arrowfunc') && f.body) {
    const body = f.kind === 'arrowfunc' ? f.body : (f.body.children ?? []).find((c: PhpNode) => c?.kind === 'return')?.expr;
    if (body?.kind === 'new') return classTarget(body.what, scope, model);
  }
  return undefined;
}

function entryMethods(cls: ClassInfo, model: PhpFileModel): EntryFact[] {
  const out: EntryFact[] = [];
  const methods = (Array.isArray(cls.node.body) ? cls.node.body : []).filter((m: PhpNode) => m?.kind === 'method');
  const add = (m: PhpNode, label: string) => out.push({ unit: `m:${cls.fq}::${(nameOf(m.name) ?? '').toLowerCase()}`, label: `${label} \`${cls.name}::${nameOf(m.name)}()\`` });
  const ctl = controllerKindOf(model.path, cls);
  if (ctl) {
    const label = { webman: 'webman controller action', hyperf: 'Hyperf controller action', laravel: 'Laravel controller action', symfony: 'Symfony controller action' }[ctl];
    for (const m of methods) {
      const n = nameOf(m.name) ?? '';
      if (m.isStatic || n.startsWith('__') || (m.visibility && m.visibility !== 'public') || m.isAbstract) continue;
      add(m, label);
    }
    return out;
  }
  const p = (model.path ?? '').replace(/\\/g, '/');
  const impl = cls.implementsFq.map((i) => i.slice(i.lastIndexOf('\\') + 1));
  for (const m of methods) {
    const n = (nameOf(m.name) ?? '').toLowerCase();
    if (n === 'process' && (impl.includes('middlewareinterface') || /(^|\/)app\/([^/]+\/)?middleware\//.test(p))) add(m, 'middleware');
    else if (n === 'handle' && (impl.includes('requesthandlerinterface') || /(^|\/)app\/Http\/Middleware\//.test(p))) add(m, impl.includes('requesthandlerinterface') ? 'PSR-15 request handler' : 'Laravel middleware');
    else if (n === 'handlerequest' && impl.includes('requesthandler')) add(m, 'AMPHP request handler');
  }
  return out;
}

/** Facts of one PHP file (pure function of its text and path). */
export function factsOfModel(model: PhpFileModel): FileFacts {
  const units = new Map<string, UnitFact>();
  const unit = (id: string) => {
    let u = units.get(id);
    if (!u) units.set(id, (u = { id, calls: [] }));
    return u;
  };
  const entries: EntryFact[] = [];
  const singletons: Array<[string, string]> = [];
  const where = (n: PhpNode) => `${(model.path ?? '').split(/[\\/]/).pop()}:${(n.loc?.start.line ?? 0)}`;

  for (const cls of model.classes) entries.push(...entryMethods(cls, model));
  for (const loop of model.loops) entries.push({ unit: `l:${model.path ?? ''}#${loop.node.loc?.start.offset ?? 0}`, label: `${loop.label} (${where(loop.node)})` });

  for (const scope of model.scopes) {
    const u = unitOf(scope, model);
    if (u) unit(u.id);
    if (scope.handler) entries.push({ unit: `c:${model.path ?? ''}#${scope.node.loc?.start.offset ?? 0}`, label: `${scope.handler} (${where(scope.node)})` });
    let types: Map<string, string> | undefined;
    const lazyTypes = () => (types ??= varTypes(scope, model));
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'call' && n.kind !== 'new' && n.kind !== 'assign') continue;
      const reg = singletonRegistration(n, scope, model);
      if (reg) singletons.push([reg, `registered as a container singleton (${where(n)})`]);
      const kept = keptInStatic(n, scope, model);
      if (kept) singletons.push([kept.fq, `its instance is kept in ${kept.where} (${where(n)}): one per worker`]);
      // Callables handed to a registration: `->on('request', [$this, 'onRequest'])`, `->onMessage = [$this, 'm']`.
      if (n.kind === 'call' || n.kind === 'assign') {
        const cb = n.kind === 'assign' ? n.right : (n.arguments ?? []).find((a: PhpNode) => callableTarget(a, scope, model));
        if (cb) {
          const parents = [...o.parents, n];
          const label = handlerLabelFor(parents, cb);
          const t = callableTarget(cb, scope, model);
          if (label && t && 'm' in t) entries.push({ unit: `m:${t.m[0]}::${t.m[1]}`, label: `${label} (${where(n)})` });
        }
      }
      if (n.kind === 'assign') continue;
      const targets = targetsOfCall(n, scope, model, lazyTypes);
      for (const a of n.arguments ?? []) {
        const t = callableTarget(a, scope, model);
        if (t) targets.push(t);
      }
      if (!targets.length) continue;
      for (const at of unitsAt(scope, o, model)) unit(at.id).calls.push({ targets, uncond: at.uncond && targets.length > 0 && !(n.arguments ?? []).some((a: PhpNode) => callableTarget(a, scope, model)) });
    }
  }
  const facts: FileFacts = {
    classes: model.classes
      .filter((c) => c.node.name)
      .map((c) => ({ fq: c.fq, extendsFq: c.extendsFq, methods: methodsOf(c), longLived: c.longLived, ...(c.webmanController ? { webmanController: true } : {}) })),
    units: [...units.values()],
    entries,
    singletons,
  };
  const reuse = controllerReuseOf(model);
  if (reuse !== undefined) facts.controllerReuse = reuse;
  return facts;
}

/**
 * webman's `config/app.php` (`return ['controller_reuse' => false, …];`): the literal
 * boolean it gives `controller_reuse`, or undefined (another file, no such key, not a literal).
 */
export function controllerReuseOf(model: PhpFileModel): boolean | undefined {
  if (!/(^|[\\/])config[\\/]app\.php$/i.test(model.path ?? '')) return undefined;
  for (const o of model.fileScope.owned) {
    const n = o.node;
    if (n.kind !== 'return' || n.expr?.kind !== 'array') continue;
    for (const it of n.expr.items ?? []) {
      if (it?.kind !== 'entry' || it.key?.kind !== 'string' || it.key.value !== 'controller_reuse') continue;
      const v = it.value;
      if (v?.kind === 'boolean') return !!v.value;
      if (v?.kind === 'name' && /^(true|false)$/i.test(nameOf(v) ?? '')) return /^true$/i.test(nameOf(v) ?? '');
      return undefined;
    }
  }
  return undefined;
}

function handlerLabelFor(parents: PhpNode[], cb: PhpNode): string | undefined {
  return handlerLabelOf(parents, cb);
}

function methodsOf(c: ClassInfo): string[] {
  return (Array.isArray(c.node.body) ? c.node.body : []).filter((m: PhpNode) => m?.kind === 'method').map((m: PhpNode) => (nameOf(m.name) ?? '').toLowerCase());
}

export function factsOfText(text: string, path: string): FileFacts {
  const ast = parsePhp(text, path);
  if (!ast.program) return { classes: [], units: [], entries: [], singletons: [] };
  try {
    return factsOfModel(buildFileModel(ast.program, { path }));
  } catch {
    return { classes: [], units: [], entries: [], singletons: [] };
  }
}

// ---------------------------------------------------------------------------
// The index

export function buildIndex(all: Array<[string, FileFacts]>, partial: boolean): PhpIndex {
  const classes = new Map<string, ClassFact>();
  const units = new Map<string, UnitFact>();
  const entries: EntryFact[] = [];
  const longLived = new Map<string, string>();
  const controllerReuseOff = all.some(([, f]) => f.controllerReuse === false);
  for (const [, f] of all) {
    for (const c of f.classes) {
      if (!classes.has(c.fq)) classes.set(c.fq, c);
      if (c.webmanController && controllerReuseOff) continue;
      if (c.longLived && !longLived.has(c.fq)) longLived.set(c.fq, c.longLived);
    }
    for (const u of f.units) {
      const had = units.get(u.id);
      if (had) for (const c of u.calls) had.calls.push(c); // (a unit may have more calls than push(...) takes arguments)
      else units.set(u.id, { id: u.id, calls: [...u.calls] });
    }
    for (const e of f.entries) entries.push(e);
    for (const [fq, why] of f.singletons) if (!longLived.has(fq)) longLived.set(fq, why);
  }
  const resolve = (t: Target): string | undefined => {
    if ('f' in t) return t.f.map((f) => `f:${f}`).find((id) => units.has(id));
    let [cls] = t.m;
    const name = t.m[1];
    for (let i = 0; i < 8 && cls; i++) {
      const c = classes.get(cls);
      if (!c) return undefined;
      if (c.methods.includes(name)) return `m:${cls}::${name}`;
      cls = c.extendsFq ?? '';
    }
    return undefined;
  };
  const reach = new Map<string, ReachInfo>();
  // Pass 1: unconditional edges only (BFS: shortest first); pass 2: all edges.
  for (const onlyUncond of [true, false]) {
    const visited = new Set<string>();
    let frontier: string[] = [];
    for (const e of entries) {
      if (!units.has(e.unit) && !e.unit.startsWith('m:')) units.set(e.unit, { id: e.unit, calls: [] });
      const id = e.unit.startsWith('m:') ? (resolve({ m: e.unit.slice(2).split('::') as [string, string] }) ?? e.unit) : e.unit;
      if (!reach.has(id)) reach.set(id, { label: e.label, depth: 0, uncond: true });
      if (!visited.has(id)) {
        visited.add(id);
        frontier.push(id);
      }
    }
    for (let depth = 1; depth <= MAX_CALL_DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const id of frontier) {
        const from = reach.get(id)!;
        for (const call of units.get(id)?.calls ?? []) {
          if (onlyUncond && !call.uncond) continue;
          for (const t of call.targets) {
            const to = resolve(t);
            if (!to || visited.has(to)) continue;
            visited.add(to);
            if (!reach.has(to)) reach.set(to, { label: from.label, depth, uncond: onlyUncond });
            next.push(to);
          }
        }
      }
      frontier = next;
    }
  }
  return { entries, partial, files: new Set(all.map(([f]) => f)), longLived, reach, ...(controllerReuseOff ? { controllerReuseOff } : {}) };
}

const FACT_KEY = 'php.index.facts.v2';

/**
 * The index for a rule context: the workspace's PHP files (capped), or the
 * document alone in single-file mode. Cached on the workspace (rebuilt after
 * any change, from per-file facts) or on the document's context.
 */
export function phpIndexOf(ctx: RuleContext, model: PhpFileModel): PhpIndex {
  return ctx.shared('php.index', () => {
    const ws = ctx.workspace;
    const own = (): FileFacts => factsOfModel(model);
    if (!ws) return buildIndex([[ctx.doc.path, own()]], false);
    const idx = workspaceIndex(ws);
    if (idx.files.has(ctx.doc.path) && ws.read(ctx.doc.path) === ctx.doc.text) return idx;
    // The document is outside the indexed files (or differs from them): index it alone, claim nothing about reach.
    const single = buildIndex([[ctx.doc.path, own()]], true);
    for (const [k, v] of idx.longLived) if (!single.longLived.has(k)) single.longLived.set(k, v);
    if (idx.controllerReuseOff) {
      single.controllerReuseOff = true;
      for (const c of model.classes) if (c.webmanController) single.longLived.delete(c.fq);
    }
    return single;
  });
}

export function workspaceIndex(ws: WorkspaceView): PhpIndex {
  return ws.shared('php.index', () => {
    const files = ws.files('php');
    const take = files.slice(0, MAX_INDEX_FILES);
    const all: Array<[string, FileFacts]> = [];
    for (const f of take) {
      const facts = ws.fileFact(FACT_KEY, f, (text) => factsOfText(text, f));
      if (facts) all.push([f, facts]);
    }
    return buildIndex(all, files.length > take.length);
  });
}

/** Marks the model's classes that other files register as container singletons. */
export function applyIndexToModel(model: PhpFileModel, index: PhpIndex): void {
  for (const c of model.classes) {
    // webman with `controller_reuse` off: a new controller per request.
    if (c.webmanController && index.controllerReuseOff) c.longLived = undefined;
    if (!c.longLived && index.longLived.has(c.fq)) c.longLived = index.longLived.get(c.fq);
  }
}

export type Reach =
  | { state: 'every'; label: string }
  | { state: 'some'; label: string }
  | { state: 'unreached' }
  | { state: 'unknown' };

/** Is the node at `o` in `scope` reached from a request entry point, and on every request? */
export function reachAt(index: PhpIndex, scope: FunctionScope, o: OwnedNode, model: PhpFileModel): Reach {
  let some: ReachInfo | undefined;
  for (const u of unitsAt(scope, o, model)) {
    const r = index.reach.get(u.id);
    if (!r) continue;
    if (r.uncond && u.uncond) return { state: 'every', label: r.label };
    if (!some || r.depth < some.depth) some = r;
  }
  if (some) return { state: 'some', label: some.label };
  if (index.entries.length > 0 && !index.partial) return { state: 'unreached' };
  return { state: 'unknown' };
}

/**
 * `static $queue; … $queue = new TaskQueue();`, `self::$default ??= new Client()`:
 * an object created into a static local or a static property is one per worker
 * (the class, fq lower-cased, and where it is kept), or undefined.
 */
function keptInStatic(n: PhpNode, scope: FunctionScope, model: PhpFileModel): { fq: string; where: string } | undefined {
  if (n.kind !== 'assign' || (n.operator !== '=' && n.operator !== '??=') || n.right?.kind !== 'new') return undefined;
  const what = n.right.what;
  if (what?.kind !== 'name') return undefined;
  const l = n.left;
  let where: string | undefined;
  if (l?.kind === 'variable' && typeof l.name === 'string' && scope.staticLocals.has(l.name)) where = `the static variable \`$${l.name}\` of \`${scope.displayName}\``;
  else if (l?.kind === 'staticlookup' && l.offset?.kind === 'variable') where = `the static property \`${nameOf(l.what) ?? 'self'}::$${l.offset.name}\``;
  if (!where) return undefined;
  const name = nameOf(what) ?? '';
  if (/^(self|static|parent)$/i.test(name)) return undefined; // singletons of the class itself: scopes.ts knows those
  return { fq: resolveClassName(name, model, what.resolution), where };
}
