// Classes, function scopes and long-lived containers of one PHP file.
//
// A *scope* is a function body that runs when called (function, method,
// closure, arrow function); file top-level code and property/constant
// initialisers belong to no scope. Each scope lists the nodes it owns (not
// those of nested functions or classes) with their parent chains, so the
// rules can look at guards and statements around a node.
import { forEachChild, spanOf, type PhpNode } from './parse';

export interface ClassInfo {
  /** Declared name; `class@anonymous` for `new class {}`. */
  name: string;
  node: PhpNode;
  kind: 'class' | 'trait' | 'enum' | 'interface';
  extendsName?: string;
  /** Static properties declared here, by name (without `$`). */
  staticProps: Map<string, PhpNode>;
  /** Fully qualified name, lower-cased (`app\\controller\\usercontroller`). */
  fq: string;
  /** Instance properties declared here (and promoted constructor parameters), by name. */
  props: Map<string, PhpNode>;
  /** Class types of instance properties (declared, promoted, or assigned in the constructor from a typed parameter or `new X`), fq lower-cased. */
  propTypes: Map<string, string>;
  /** Fully qualified parent class and interfaces, lower-cased. */
  extendsFq?: string;
  implementsFq: string[];
  /** Attribute short names (`controller`, `autocontroller`), lower-cased. */
  attrs: string[];
  /**
   * Why one instance of this class lives as long as the worker (a singleton):
   * `self::$instance = new self`, a webman/Hyperf controller, a container
   * singleton. Undefined for ordinary classes. Filled by buildFileModel and
   * by the workspace index (container registrations in other files).
   */
  longLived?: string;
  /** Set on webman controllers: long-lived only while `controller_reuse` is on (webman's default). */
  webmanController?: boolean;
  /** Long-lived by its role (roleLifetime: an interface, base class, attribute or role name), not by a singleton or a registration. */
  byRole?: boolean;
}

/** Why a webman controller's properties live as long as the worker. */
export const WEBMAN_CONTROLLER_REUSE = 'webman reuses controller instances: one per worker process, shared by every request it serves (`controller_reuse`, on by default; `config/app.php` can turn it off)';

export interface OwnedNode {
  node: PhpNode;
  /** Ancestors inside the scope, outermost first (the scope node itself first). */
  parents: PhpNode[];
}

export interface FunctionScope {
  id: number;
  node: PhpNode;
  /** 'file': the file's top-level code (runs once per worker, except inside a worker loop). */
  kind: 'function' | 'method' | 'closure' | 'arrowfunc' | 'file';
  /** `Class::method()`, `function()`, `{closure}` … for messages. */
  displayName: string;
  /** The class whose `self::`/`static::` applies (methods and closures inside them). */
  cls?: ClassInfo;
  isConstructor: boolean;
  /** `static $x` declarations (function and method scopes only), by name. */
  staticLocals: Map<string, PhpNode>;
  /** `global $x` declarations, by name. */
  globals: Map<string, PhpNode>;
  /** Parameter names. */
  params: Set<string>;
  /** Every node owned by the scope, in source order (pre-order walk). */
  owned: OwnedNode[];
  /** The enclosing scope (closures, and functions declared inside others). */
  outer?: FunctionScope;
  /** Where the closure sits in its enclosing scope: the ancestors there, outermost first. */
  outerParents?: PhpNode[];
  /** Variables a closure captures by reference (`use (&$x)`). */
  byRefUses: Set<string>;
  /** Set when the closure is registered as a request handler: a label for messages. */
  handler?: string;
  /** Method name, lower-cased (methods only). */
  methodName?: string;
}

/** A loop that serves one request per iteration inside one long-lived process. */
export interface WorkerLoop {
  node: PhpNode;
  scope: FunctionScope;
  /** `RoadRunner worker loop`, … */
  label: string;
  /** The loop body's offsets. */
  body: { start: number; end: number };
  /** Variables assigned in the scope before the loop starts (candidates for long-lived state). */
  before: Map<string, PhpNode>;
}

export interface PhpFileModel {
  classes: ClassInfo[];
  scopes: FunctionScope[];
  /** The file's top-level code. */
  fileScope: FunctionScope;
  /** Namespace of the file's first namespace declaration ('' when none), lower-cased. */
  namespace: string;
  /** `use` imports: alias lower-cased -> fq lower-cased. */
  uses: Map<string, string>;
  loops: WorkerLoop[];
  path?: string;
  /**
   * Set on a copy of the model (candidateModelOf): `$this->prop` of every class is a candidate
   * container, whatever the object's lifetime. Used only where the code itself shows that the
   * object outlives its entries (it removes them one by one).
   */
  anyObject?: boolean;
}

/** Type names that are not classes (declared types that say nothing of a property's class). */
const SCALAR_TYPE = /^(array|string|int|float|bool|mixed|iterable|callable|object|self|static|null|false|true)$/i;
const FUNCTION_KINDS = new Set(['function', 'method', 'closure', 'arrowfunc']);
const CLASS_KINDS = new Set(['class', 'trait', 'enum', 'interface']);

export function nameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as PhpNode).name === 'string') return (value as PhpNode).name as string;
  return undefined;
}

/** The last segment of a (possibly qualified) PHP name, lower-cased for comparison. */
export function shortName(name: string): string {
  const i = name.lastIndexOf('\\');
  return (i >= 0 ? name.slice(i + 1) : name).toLowerCase();
}

/** Resolves a class name as written in the file to a fq lower-cased name. */
export function resolveClassName(name: string, model: Pick<PhpFileModel, 'namespace' | 'uses'>, resolution?: string): string {
  const n = name.toLowerCase();
  if (resolution === 'fqn' || n.startsWith('\\')) return n.replace(/^\\/, '');
  const first = n.split('\\')[0];
  const alias = model.uses.get(first);
  if (alias) return n.includes('\\') ? `${alias}${n.slice(first.length)}` : alias;
  if (['self', 'static', 'parent'].includes(n)) return n;
  return model.namespace ? `${model.namespace}\\${n}` : n;
}

function attrNames(node: PhpNode): string[] {
  const out: string[] = [];
  for (const g of Array.isArray(node.attrGroups) ? node.attrGroups : []) {
    for (const a of Array.isArray(g?.attrs) ? g.attrs : []) if (typeof a?.name === 'string') out.push(shortName(a.name));
  }
  return out;
}

/** Calls whose (leftmost) loop test marks a loop serving one request per iteration. */
function workerLoopLabel(test: PhpNode | null | undefined, text?: (n: PhpNode) => string): string | undefined {
  let label: string | undefined;
  const visit = (n: PhpNode) => {
    if (label) return;
    if (n.kind === 'call') {
      const w = n.what;
      const m = w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup' ? nameOf(w.offset)?.toLowerCase() : undefined;
      const f = w?.kind === 'name' ? shortName(nameOf(w) ?? '') : undefined;
      if (m === 'waitrequest' || m === 'waitpayload') label = 'RoadRunner worker loop';
      else if (f === 'frankenphp_handle_request') label = 'FrankenPHP worker loop';
      else if (f === 'stream_socket_accept' || f === 'socket_accept') label = 'socket server loop';
      else if (m === 'accept' || m === 'acceptrequest') label = 'server accept loop';
    }
    forEachChild(n, visit);
  };
  if (test) visit(test);
  void text;
  return label;
}

/** Handler registration: `$server->on('request', cb)`, `$worker->onMessage = cb`, … -> a label, or undefined. */
export function handlerLabelOf(parents: PhpNode[], fn: PhpNode): string | undefined {
  const p = parents[parents.length - 1];
  if (!p) return undefined;
  if (p.kind === 'assign' && p.right === fn && (p.left?.kind === 'propertylookup' || p.left?.kind === 'nullsafepropertylookup')) {
    const prop = nameOf(p.left.offset) ?? '';
    if (/^on(Message|Request|Receive|WebSocketMessage|Packet)$/i.test(prop)) return `Workerman \`${prop}\` callback`;
    return undefined;
  }
  if (p.kind === 'call' && Array.isArray(p.arguments) && p.arguments.includes(fn)) {
    const w = p.what;
    const method = w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup' || w?.kind === 'staticlookup' ? nameOf(w.offset)?.toLowerCase() : undefined;
    const func = w?.kind === 'name' ? shortName(nameOf(w) ?? '') : undefined;
    if (method === 'on' || method === 'handle') {
      const ev = p.arguments[0];
      if (ev?.kind === 'string' && /^(request|receive|message|packet)$/i.test(ev.value)) return `Swoole \`on('${ev.value}')\` callback`;
      return undefined;
    }
    if (func === 'frankenphp_handle_request') return 'FrankenPHP request handler';
    return undefined;
  }
  if (p.kind === 'new' && Array.isArray(p.arguments) && p.arguments.includes(fn)) {
    const cls = shortName(nameOf(p.what) ?? '');
    if (cls === 'httpserver' || cls === 'server') return 'ReactPHP HTTP handler';
    if (cls === 'closurerequesthandler') return 'AMPHP request handler';
  }
  return undefined;
}

export interface BuildOptions {
  /** The file's path: webman/Laravel controller folders are recognised by it. */
  path?: string;
}

/** webman (app/controller, app/<app>/controller) and Hyperf controllers: one instance per worker. */
export function controllerKindOf(path: string | undefined, cls: ClassInfo): 'webman' | 'hyperf' | 'laravel' | 'symfony' | undefined {
  const p = (path ?? '').replace(/\\/g, '/');
  if (cls.kind !== 'class' || !cls.node.name || cls.node.isAbstract) return undefined;
  if (cls.attrs.includes('controller') || cls.attrs.includes('autocontroller')) return 'hyperf';
  // Path conventions need the class-name suffix too (webman's default controller_suffix).
  if (!/controller$/i.test(cls.name)) return undefined;
  if (/(^|\/)app\/([^/]+\/)?controller\//.test(p)) return 'webman';
  if (/(^|\/)app\/Http\/Controllers\//.test(p)) return 'laravel';
  if (/(^|\/)src\/Controller\//.test(p) || cls.extendsFq?.endsWith('abstractcontroller')) return 'symfony';
  return undefined;
}

export function buildFileModel(program: PhpNode, options: BuildOptions = {}): PhpFileModel {
  const classes: ClassInfo[] = [];
  const scopes: FunctionScope[] = [];
  const loops: WorkerLoop[] = [];
  const names = { namespace: '', uses: new Map<string, string>() };
  let firstNs = true;

  const newScope = (node: PhpNode, kind: FunctionScope['kind'], displayName: string, cls: ClassInfo | undefined): FunctionScope => {
    const s: FunctionScope = {
      id: scopes.length,
      node,
      kind,
      displayName,
      cls,
      isConstructor: false,
      staticLocals: new Map(),
      globals: new Map(),
      params: new Set(),
      owned: [],
      byRefUses: new Set(),
    };
    scopes.push(s);
    return s;
  };
  const fileScope = newScope(program, 'file', 'the file\'s top-level code', undefined);

  const visit = (node: PhpNode, cls: ClassInfo | undefined, scope: FunctionScope, parents: PhpNode[]) => {
    if (node.kind === 'namespace') {
      if (firstNs || typeof node.name === 'string') {
        names.namespace = String(node.name ?? '').toLowerCase();
        names.uses = new Map();
        firstNs = false;
      }
    } else if (node.kind === 'usegroup' && scope === fileScope && !node.type) {
      const prefix = typeof node.name === 'string' ? `${node.name.toLowerCase().replace(/^\\/, '')}\\` : '';
      for (const it of Array.isArray(node.items) ? node.items : []) {
        if (typeof it?.name !== 'string' || it.type) continue;
        const fq = `${prefix}${it.name.toLowerCase().replace(/^\\/, '')}`;
        const alias = (nameOf(it.alias) ?? fq.slice(fq.lastIndexOf('\\') + 1)).toLowerCase();
        names.uses.set(alias, fq);
      }
    }
    if (CLASS_KINDS.has(node.kind)) {
      const declared = nameOf(node.name);
      const info: ClassInfo = {
        name: declared ?? 'class@anonymous',
        node,
        kind: node.kind as ClassInfo['kind'],
        extendsName: nameOf(node.extends),
        staticProps: new Map(),
        fq: declared ? (names.namespace ? `${names.namespace}\\${declared.toLowerCase()}` : declared.toLowerCase()) : `class@anonymous#${node.loc?.start.offset ?? 0}`,
        props: new Map(),
        propTypes: new Map(),
        extendsFq: node.extends && typeof node.extends === 'object' ? resolveClassName(nameOf(node.extends) ?? '', names, node.extends.resolution) : undefined,
        implementsFq: (Array.isArray(node.implements) ? node.implements : []).map((n: PhpNode) => resolveClassName(nameOf(n) ?? '', names, n?.resolution)),
        attrs: attrNames(node),
      };
      for (const member of Array.isArray(node.body) ? node.body : []) {
        if (member?.kind === 'propertystatement') {
          for (const p of Array.isArray(member.properties) ? member.properties : []) {
            const n = nameOf(p?.name);
            if (!n) continue;
            if (member.isStatic) info.staticProps.set(n, p);
            else {
              info.props.set(n, p);
              const t = p.type?.kind === 'name' ? nameOf(p.type) : undefined;
              if (t && !SCALAR_TYPE.test(t)) info.propTypes.set(n, resolveClassName(t, names, p.type.resolution));
            }
          }
        } else if (member?.kind === 'method' && (nameOf(member.name) ?? '').toLowerCase() === '__construct') {
          for (const a of Array.isArray(member.arguments) ? member.arguments : []) {
            const n = nameOf(a?.name);
            if (!n || !a.flags) continue; // promoted parameters carry a visibility flag
            info.props.set(n, a);
            const t = a.type?.kind === 'name' ? nameOf(a.type) : undefined;
            if (t && !SCALAR_TYPE.test(t)) info.propTypes.set(n, resolveClassName(t, names, a.type.resolution));
          }
        }
      }
      classes.push(info);
      // Members: methods open scopes; property defaults and constants belong to none.
      forEachChild(node, (child) => visitMember(child, info));
      return;
    }
    if (FUNCTION_KINDS.has(node.kind)) {
      const kind = node.kind as Exclude<FunctionScope['kind'], 'file'>;
      const fname = nameOf(node.name);
      // Closures keep the class context of where they are written.
      const scopeCls = kind === 'function' ? undefined : cls;
      const displayName =
        kind === 'method' ? `${cls?.name ?? '?'}::${fname ?? '?'}()` : kind === 'function' ? `${fname ?? '?'}()` : kind === 'closure' ? 'a closure' : 'an arrow function';
      const s = newScope(node, kind, displayName, scopeCls);
      s.isConstructor = kind === 'method' && (fname ?? '').toLowerCase() === '__construct';
      if (kind === 'method') s.methodName = (fname ?? '').toLowerCase();
      s.outer = scope;
      s.outerParents = parents;
      for (const p of Array.isArray(node.arguments) ? node.arguments : []) {
        const n = nameOf(p?.name);
        if (n) s.params.add(n);
      }
      for (const u of Array.isArray(node.uses) ? node.uses : []) {
        const n = nameOf(u);
        if (n && u.byref) s.byRefUses.add(n);
      }
      if (kind === 'closure' || kind === 'arrowfunc') s.handler = handlerLabelOf(parents, node);
      if (node.body && typeof node.body === 'object') visit(node.body, scopeCls, s, [node]);
      return;
    }
    scope.owned.push({ node, parents });
    if (node.kind === 'static' && scope.kind !== 'closure' && scope.kind !== 'arrowfunc' && scope.kind !== 'file') {
      for (const v of Array.isArray(node.variables) ? node.variables : []) {
        // `static $x = 1;` is a staticvariable node; `static $x;` a bare variable.
        const n = v?.kind === 'variable' ? nameOf(v) : nameOf(v?.variable);
        if (n) scope.staticLocals.set(n, v);
      }
    } else if (node.kind === 'global' && scope.kind !== 'file') {
      for (const v of Array.isArray(node.items) ? node.items : []) {
        const n = nameOf(v);
        if (n) scope.globals.set(n, v);
      }
    } else if ((node.kind === 'while' || node.kind === 'do' || node.kind === 'for') && node.body?.loc) {
      const test = node.kind === 'for' ? { kind: 'block', children: [...(node.init ?? []), ...(node.test ?? [])] } : node.test;
      const label = workerLoopLabel(test as PhpNode);
      if (label) {
        const b = spanOf(node.body);
        if (b) loops.push({ node, scope, label, body: b, before: new Map() });
      }
    }
    const nextParents = [...parents, node];
    forEachChild(node, (child) => visit(child, cls, scope, nextParents));
  };
  const visitMember = (child: PhpNode, info: ClassInfo) => {
    // Members are not owned by the file scope; only methods (and closures in defaults) matter.
    if (FUNCTION_KINDS.has(child.kind)) visit(child, info, fileScope, []);
    else forEachChild(child, (c) => visitMember(c, info));
  };

  forEachChild(program, (child) => visit(child, undefined, fileScope, [program]));

  // Variables assigned before each worker loop, in the loop's scope.
  for (const loop of loops) {
    const start = loop.node.loc?.start.offset ?? 0;
    for (const o of loop.scope.owned) {
      const n = o.node;
      if (!n.loc || n.loc.start.offset >= start) continue;
      if (n.kind === 'assign' && n.left?.kind === 'variable' && typeof n.left.name === 'string' && !loop.before.has(n.left.name)) loop.before.set(n.left.name, n);
    }
    for (const p of loop.scope.params) if (!loop.before.has(p)) loop.before.set(p, loop.scope.node);
  }

  const model: PhpFileModel = { classes, scopes, fileScope, namespace: names.namespace, uses: names.uses, loops, path: options.path };
  constructorPropTypes(model);
  markLongLivedClasses(model);
  return model;
}

/**
 * Property types the constructor shows: `$this->p = $param` where the parameter has a class
 * type (pre-PHP 8 injection, without promotion), or `$this->p = new X(…)`. Declared types win.
 */
function constructorPropTypes(model: PhpFileModel): void {
  for (const scope of model.scopes) {
    const cls = scope.cls;
    if (!scope.isConstructor || !cls) continue;
    const paramTypes = new Map<string, PhpNode>();
    for (const a of Array.isArray(scope.node.arguments) ? scope.node.arguments : []) {
      const n = nameOf(a?.name);
      if (n && a.type?.kind === 'name' && !SCALAR_TYPE.test(nameOf(a.type) ?? '')) paramTypes.set(n, a.type);
    }
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || n.operator !== '=') continue;
      const l = n.left;
      if (l?.kind !== 'propertylookup' || l.what?.kind !== 'variable' || l.what.name !== 'this' || l.offset?.kind !== 'identifier') continue;
      const prop = nameOf(l.offset) ?? '';
      if (!prop || cls.propTypes.has(prop)) continue;
      const r = n.right;
      let type: PhpNode | undefined;
      if (r?.kind === 'variable' && typeof r.name === 'string') type = paramTypes.get(r.name);
      else if (r?.kind === 'new' && r.what?.kind === 'name' && !SCALAR_TYPE.test(nameOf(r.what) ?? '')) type = r.what;
      const t = type ? nameOf(type) : undefined;
      if (t) cls.propTypes.set(prop, resolveClassName(t, model, type!.resolution));
    }
  }
}

// ---------------------------------------------------------------------------
// The lifetime model: which objects live as long as the worker. Data, one row per role.

/**
 * Interfaces (short names; a row ending in `*` matches a suffix) whose implementations a
 * long-running application builds once and keeps: container services, the container
 * itself, middleware and request handlers, event subscribers, loggers and their handlers,
 * debug collectors, server components of Ratchet / Wamp, telemetry providers and exporters.
 */
const WORKER_LIVED_INTERFACES: Array<[pattern: string, why: string]> = [
  ['ContainerInterface', 'a dependency-injection container: the application builds it once per worker'],
  ['ResetInterface', 'a service the container resets between requests (Symfony `ResetInterface`): one instance serves every request of the worker'],
  ['EventSubscriberInterface', 'an event subscriber: registered once with the dispatcher, it serves every event of the worker'],
  ['MiddlewareInterface', 'a middleware: built once and run on every request of the worker'],
  ['RequestHandlerInterface', 'a request handler: built once and run on every request of the worker'],
  ['LoggerInterface', 'a logger service: one instance per worker'],
  ['HandlerInterface', 'a log / message handler service: one instance per worker'],
  ['ProcessorInterface', 'a log processor service: one instance per worker'],
  ['*CollectorInterface', 'a debug or metrics collector service: one instance per worker, fed by every request'],
  ['MessageComponentInterface', 'a server component (Ratchet): one instance serves every connection of the server'],
  ['WampServerInterface', 'a server component (Ratchet WAMP): one instance serves every connection of the server'],
  ['WsServerInterface', 'a server component (Ratchet): one instance serves every connection of the server'],
  ['TracerProviderInterface', 'a tracer provider service: one instance per worker'],
  ['MeterProviderInterface', 'a meter provider service: one instance per worker'],
  ['LoggerProviderInterface', 'a logger provider service: one instance per worker'],
  ['*ExporterInterface', 'an exporter service: one instance per worker'],
  ['*ProcessorInterface', 'a processor service: one instance per worker'],
  ['*AggregatorInterface', 'an aggregator service: one instance per worker'],
];

/** Base classes (short names) whose instances are the server process itself or live with it. */
const WORKER_LIVED_BASES: Array<[name: string, why: string]> = [
  ['Worker', 'a worker of the server (workerman / GatewayWorker): the process itself'],
  ['Server', 'the server object: it lives as long as the process'],
];

/** Class attributes (lower-cased short names) that register the class as a container service. */
const SERVICE_ATTRIBUTES = new Set(['bean', 'service', 'singleton', 'component', 'asservice', 'aseventlistener', 'asmessagehandler', 'listener', 'middleware', 'crontab', 'process', 'injectable']);

/**
 * Class-name roles (suffixes) of objects a runtime or an application keeps for the worker's
 * lifetime: clients and connection pools, hubs, aggregators, gateways, registries, servers.
 */
const WORKER_LIVED_ROLE = /(Client|Pool|Hub|Aggregator|Gateway|Registry|Server|Dispatcher|Scheduler|Executor|Broker|Container|TopicManager|ConnectionManager)$/;

function matchesInterface(short: string, pattern: string): boolean {
  return pattern.startsWith('*') ? short.endsWith(pattern.slice(1)) : short === pattern;
}

/** Why instances of a class live as long as the worker, from the class itself (its role), or undefined. */
export function roleLifetime(cls: ClassInfo): string | undefined {
  if (cls.kind !== 'class' || cls.name === 'class@anonymous') return undefined;
  for (const fq of cls.implementsFq) {
    const short = shortName(fq).toLowerCase();
    const row = WORKER_LIVED_INTERFACES.find(([p]) => matchesInterface(short, p.toLowerCase()));
    if (row) return `\`${cls.name}\` is ${row[1]} (it implements \`${row[0].startsWith('*') ? fq.slice(fq.lastIndexOf('\\') + 1) : row[0]}\`)`;
  }
  const base = cls.extendsFq ? shortName(cls.extendsFq).toLowerCase() : '';
  const b = WORKER_LIVED_BASES.find(([n]) => n.toLowerCase() === base);
  if (b) return `\`${cls.name}\` extends \`${b[0]}\`: ${b[1]}`;
  const attr = cls.attrs.find((a) => SERVICE_ATTRIBUTES.has(a));
  if (attr) return `\`${cls.name}\` is registered as a container service (\`#[${attr}]\`): one instance per worker`;
  if (WORKER_LIVED_ROLE.test(cls.name.slice(cls.name.lastIndexOf('\\') + 1))) {
    return `\`${cls.name}\` is named for a role whose objects live as long as the worker (a client, pool, hub, aggregator, gateway, registry, server or dispatcher)`;
  }
  return undefined;
}

/** `self::$instance = new self` (or `??=`, `new static`, `new ClassName`) in a method of the class. */
function markLongLivedClasses(model: PhpFileModel): void {
  for (const cls of model.classes) {
    const ctl = controllerKindOf(model.path, cls);
    if (ctl === 'hyperf') cls.longLived = 'Hyperf controllers are container singletons: one instance per worker';
    else if (ctl === 'webman') {
      cls.longLived = WEBMAN_CONTROLLER_REUSE;
      cls.webmanController = true;
    }
  }
  for (const scope of model.scopes) {
    const cls = scope.cls;
    if (!cls || cls.longLived) continue;
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' || (n.operator !== '=' && n.operator !== '??=')) continue;
      const left = n.left?.kind === 'offsetlookup' ? n.left.what : n.left;
      if (left?.kind !== 'staticlookup' || left.offset?.kind !== 'variable') continue;
      const w = left.what;
      const own = w?.kind === 'selfreference' || w?.kind === 'staticreference' || (w?.kind === 'name' && shortName(nameOf(w) ?? '') === shortName(cls.name));
      if (!own) continue;
      const r = n.right;
      const rw = r?.kind === 'new' ? r.what : undefined;
      const isSelf = !!rw && (rw.kind === 'selfreference' || rw.kind === 'staticreference' || (rw.kind === 'name' && shortName(nameOf(rw) ?? '') === shortName(cls.name)));
      // Only a static meant to hold *the* instance makes every instance long-lived (not a
      // special one such as Doctrine's `self::$metadataParser = new self`).
      const ctor = (Array.isArray(cls.node.body) ? cls.node.body : []).find((m: PhpNode) => m?.kind === 'method' && (nameOf(m.name) ?? '').toLowerCase() === '__construct');
      const instanceLike = /instance|singleton|shared|default|self/i.test(String(left.offset.name)) || (!!ctor && ctor.visibility && ctor.visibility !== 'public');
      if (isSelf && instanceLike) {
        cls.longLived = `\`${cls.name}\` is a singleton: it keeps its instance in \`${cls.name}::$${left.offset.name}\``;
        break;
      }
    }
  }
  for (const cls of model.classes) {
    if (cls.longLived) continue;
    const role = roleLifetime(cls);
    if (role) {
      cls.longLived = role;
      cls.byRole = true;
    }
  }
}

// ---------------------------------------------------------------------------
// Long-lived containers

export type ContainerKind = 'static-property' | 'static-local' | 'global' | 'instance-property' | 'loop-variable' | 'captured';

export interface Container {
  kind: ContainerKind;
  /** Identity: two expressions with the same key denote the same storage. */
  key: string;
  /** `UserController::$seen`, `$cache`, `$GLOBALS['x']`. */
  display: string;
  /** Where it is declared in this file, when known. */
  decl?: PhpNode;
  /** Declared as an array (`= []`, `array` type): safe for array_shift. */
  isArray: boolean;
  cls?: ClassInfo;
  /** Why it is long-lived, for kinds whose lifetime needs explaining (singletons, loops, captures). */
  why?: string;
  /** A property of an object whose lifetime the model does not know (a candidate model's `$this->prop`). */
  candidate?: boolean;
}

/** Why a candidate container (a property of an object of unknown lifetime) is taken as outliving its entries. */
export const CANDIDATE_WHY = 'the object removes its entries one at a time, so they are meant to go while the object lives on';

/** A copy of the model in which `$this->prop` of every class is a (candidate) container. */
export function candidateModelOf(model: PhpFileModel): PhpFileModel {
  return { ...model, anyObject: true };
}

function declaredAsArray(prop: PhpNode | undefined): boolean {
  if (!prop) return false;
  const v = prop.value;
  if (v && v.kind === 'array') return true;
  const t = prop.type;
  const tn = nameOf(t);
  return !!tn && tn.toLowerCase() === 'array' && !prop.nullable;
}

/** Finds the class a static property access refers to, within what this file shows. */
function staticPropClass(what: PhpNode, prop: string, scope: FunctionScope, model: PhpFileModel): ClassInfo | undefined {
  const declaring = (name: string) => model.classes.find((c) => c.node.name && shortName(c.name) === shortName(name) && c.staticProps.has(prop));
  if (what.kind === 'selfreference' || what.kind === 'staticreference') return scope.cls;
  if (what.kind === 'parentreference') {
    return scope.cls?.extendsName ? declaring(scope.cls.extendsName) : undefined;
  }
  if (what.kind === 'name' && typeof what.name === 'string') {
    if (scope.cls && scope.cls.node.name && shortName(scope.cls.name) === shortName(what.name)) return scope.cls;
    return declaring(what.name);
  }
  return undefined;
}

/** The long-lived container an expression denotes, or null (locals, properties of `$this`, …). */
export function containerOf(expr: PhpNode | null | undefined, scope: FunctionScope, model: PhpFileModel): Container | null {
  if (!expr || typeof expr !== 'object') return null;
  if (expr.kind === 'staticlookup' && expr.offset?.kind === 'variable' && typeof expr.offset.name === 'string' && expr.what) {
    const prop = expr.offset.name as string;
    const cls = staticPropClass(expr.what, prop, scope, model);
    if (!cls) return null;
    const decl = cls.staticProps.get(prop);
    return {
      kind: 'static-property',
      key: `static:${cls.name.toLowerCase()}::${prop}`,
      display: `${cls.name}::$${prop}`,
      decl,
      isArray: declaredAsArray(decl),
      cls,
    };
  }
  if (expr.kind === 'variable' && typeof expr.name === 'string') {
    const name = expr.name as string;
    const local = scope.staticLocals.get(name);
    if (local) {
      return { kind: 'static-local', key: `local:${scope.id}:${name}`, display: `$${name}`, decl: local, isArray: local.defaultValue?.kind === 'array' };
    }
    const g = scope.globals.get(name);
    if (g) return { kind: 'global', key: `global:${name}`, display: `$${name}`, decl: g, isArray: false };
    // A by-reference capture of a request-handler closure: lives with the handler.
    if (scope.byRefUses.has(name) && scope.handler && scope.outer) {
      return { kind: 'captured', key: `captured:${scope.outer.id}:${name}`, display: `$${name}`, isArray: false, why: `captured by reference (\`use (&$${name})\`) by the ${scope.handler}, which the runtime keeps for the worker's lifetime` };
    }
    // Declared before a worker loop, used inside its body.
    const at = expr.loc?.start.offset;
    if (at !== undefined) {
      for (const loop of model.loops) {
        if (loop.scope !== scope || at < loop.body.start || at >= loop.body.end) continue;
        const decl = loop.before.get(name);
        if (!decl) continue;
        return {
          kind: 'loop-variable',
          key: `loop:${scope.id}:${loop.node.loc?.start.offset ?? 0}:${name}`,
          display: `$${name}`,
          decl: decl === scope.node ? undefined : decl,
          isArray: decl.kind === 'assign' && decl.right?.kind === 'array',
          why: `assigned before the ${loop.label} and kept across its iterations (one iteration per request)`,
        };
      }
    }
    return null;
  }
  if (
    (expr.kind === 'propertylookup' || expr.kind === 'nullsafepropertylookup') &&
    expr.what?.kind === 'variable' &&
    expr.what.name === 'this' &&
    expr.offset?.kind === 'identifier' &&
    (scope.cls?.longLived || (model.anyObject && scope.cls && scope.cls.kind !== 'interface')) &&
    !scope.isConstructor
  ) {
    const prop = nameOf(expr.offset) ?? '';
    const cls = scope.cls!;
    const decl = cls.props.get(prop);
    if (!decl && cls.staticProps.has(prop)) return null;
    return {
      kind: 'instance-property',
      key: `prop:${cls.fq}::${prop.toLowerCase()}`,
      display: `${cls.name}->${prop}`,
      decl,
      isArray: declaredAsArray(decl),
      cls,
      why: cls.longLived ?? CANDIDATE_WHY,
      ...(cls.longLived ? {} : { candidate: true }),
    };
  }
  if (
    expr.kind === 'offsetlookup' &&
    expr.what?.kind === 'variable' &&
    expr.what.name === 'GLOBALS' &&
    expr.offset?.kind === 'string' &&
    typeof expr.offset.value === 'string'
  ) {
    return { kind: 'global', key: `global:${expr.offset.value}`, display: `$GLOBALS['${expr.offset.value}']`, isArray: false };
  }
  return null;
}

export interface ContainerAccess {
  container: Container;
  /** The expression denoting the container itself (`self::$cache`). */
  containerNode: PhpNode;
  /** Offsets from the container outwards; `false` is an append (`[]`). */
  keys: Array<PhpNode | false>;
}

/** Unwraps `C[k1][k2]…` down to a long-lived container C. */
export function accessOf(expr: PhpNode | null | undefined, scope: FunctionScope, model: PhpFileModel): ContainerAccess | null {
  const keys: Array<PhpNode | false> = [];
  let n = expr;
  while (n && typeof n === 'object') {
    const c = containerOf(n, scope, model);
    if (c) return { container: c, containerNode: n, keys: keys.reverse() };
    if (n.kind !== 'offsetlookup') return null;
    keys.push(n.offset && typeof n.offset === 'object' ? (n.offset as PhpNode) : false);
    n = n.what;
  }
  return null;
}

export function sourceOf(text: string, node: PhpNode): string {
  const s = spanOf(node);
  return s ? text.slice(s.start, s.end) : '';
}
