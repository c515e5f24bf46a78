// Is the set of keys an array write can use bounded? Literal keys, class
// constants and enum cases are; so is a variable checked against a fixed set by
// an enclosing `if (in_array($k, [...]))`, `switch`/`case`, a `match` with
// literal arms, or an early exit (`if (!in_array(...)) return;`). Anything
// else is taken as unbounded, with the most telling reason we can name
// (time(), uniqid(), request input, an id, a loop variable, a parameter).
import { nameOf, sourceOf, type ClassInfo, type FunctionScope, type OwnedNode } from './scopes';
import type { PhpNode } from './parse';

/**
 * `rank` orders reasons by how telling they are: the clock > fresh values > request input > the rest.
 * `strong`: the key itself shows that the set of keys grows with traffic (the clock, a fresh
 * value, request input, a session, an entity id or a client address), as opposed to a key
 * we merely cannot prove bounded (a parameter, a loop variable, a call result, an object
 * identity). Without request entry points in the workspace, only strong keys are warned about.
 */
export type KeyVerdict = { bounded: true } | { bounded: false; reason: string; rank: number; strong: boolean };

const BOUNDED: KeyVerdict = { bounded: true };

/** Reasons that show growth with traffic by themselves (see KeyVerdict.strong). */
const STRONG_REASON = /time\(|a new key every|as time passes|microtime|hrtime|date\(|a new key on|session|request input/;

function unbounded(reason: string, strong = STRONG_REASON.test(reason) && !/one key per object/.test(reason)): KeyVerdict {
  const rank = /time\(|a new key every|as time passes|microtime|hrtime|date\(/.test(reason)
    ? 4
    : /a new key on|one key per object|session/.test(reason)
      ? 3
      : /request input/.test(reason)
        ? 2
        : /loop variable|distinct|parameter/.test(reason)
          ? 1
          : 0;
  return { bounded: false, reason, rank, strong };
}

/** The more telling of two unbounded verdicts: strong evidence first, then rank; the first on a tie. */
export function moreTelling<V extends Extract<KeyVerdict, { bounded: false }>>(a: V, b: V): V {
  if (a.strong !== b.strong) return b.strong ? b : a;
  return b.rank > a.rank ? b : a;
}

/** The more telling of two verdicts on parts of one key (bounded only if both are; strong evidence first). */
function worst(a: KeyVerdict, b: KeyVerdict): KeyVerdict {
  if (a.bounded) return b;
  if (b.bounded) return a;
  return moreTelling(a, b);
}

/**
 * Names of values with one entry per user, client or record: ids, UUIDs, client addresses,
 * tokens, e-mail addresses, URLs. A cache keyed by them grows with the traffic.
 * (Case-sensitive on purpose: `userId`, `user_id`, `requestIp`, not `valid` or `grid`.)
 */
const ENTITY_NAME = /^(id|ids|uuid|guid|ip|ips|ipAddress|ip_address|token|email|url|uri|sessionId|session_id)$|[a-z0-9](Id|ID|Ip|IP|Uuid|Token|Email|Url|Uri)$|_(id|ip|uuid|token|email|url|uri)$/;

/**
 * Parameter names of the data a function transforms (escapes, parses, converts): a memo
 * cache keyed by it holds every distinct input ever seen, and inputs are the traffic's
 * (user content, request values), not names of the code.
 */
const DATA_NAME = /^(value|string|str|text|content|contents|html|subject|input|message|body|payload|markdown|plaintext|data|script|sql|expression)$/;

export function isEntityName(name: string): boolean {
  return ENTITY_NAME.test(name);
}

function entity(name: string, what: string): KeyVerdict {
  const kind = /(^ip|Ip|IP|_ip)/.test(name) ? ` (a client address: one per client)` : '';
  return unbounded(`keyed by ${what}: one entry per distinct ${name}${kind}`, true);
}

/** Functions whose result changes with the clock: `time() … a new key every second`. */
const CLOCK: Record<string, string> = {
  time: 'keyed by time(): a new key every second',
  microtime: 'keyed by microtime(): a new key on every call',
  hrtime: 'keyed by hrtime(): a new key on every call',
  date: 'keyed by date(): a new key every period of the format, for ever',
  gmdate: 'keyed by gmdate(): a new key every period of the format, for ever',
  strtotime: 'keyed by strtotime(): a new key as time passes',
  mktime: 'keyed by mktime(): a new key as time passes',
  now: 'keyed by now(): a new key as time passes',
};

/** Functions that return a fresh value on (nearly) every call. */
const FRESH: Record<string, string> = {
  uniqid: 'keyed by uniqid(): a new key on every call',
  random_int: 'keyed by random_int(): a new key on (nearly) every call',
  random_bytes: 'keyed by random_bytes(): a new key on every call',
  rand: 'keyed by rand(): a new key on (nearly) every call',
  mt_rand: 'keyed by mt_rand(): a new key on (nearly) every call',
  lcg_value: 'keyed by lcg_value(): a new key on every call',
  spl_object_id: 'keyed by spl_object_id(): one key per object',
  spl_object_hash: 'keyed by spl_object_hash(): one key per object',
  session_id: 'keyed by session_id(): one key per session',
  session_create_id: 'keyed by session_create_id(): a new key on every call',
};

/** Calls (functions, or static methods by name) returning the id of the current unit of work. */
const UNIT_IDS: Record<string, string> = {
  getcid: 'a new key on every coroutine (one per request or task)',
  getuid: 'a new key on every coroutine (one per request or task)',
  getcurrent: 'a new key on every fiber or coroutine (one per request or task)',
  get_resource_id: 'a new key on every connection or stream (a new resource id each time)',
};

const REQUEST_VARS = new Set(['_GET', '_POST', '_REQUEST', '_COOKIE', '_SERVER', '_FILES', '_SESSION', '_ENV']);
const REQUEST_NAMES = /^(request|req|input|query|params|payload|body|headers?|cookies?|session)$/i;

/**
 * Names of keys that name the program itself or its configuration: classes,
 * methods, properties, source files, drivers, locales, formats. The set of
 * such values is fixed by the deployed code and config, so a cache keyed by
 * them plateaus (one entry per class / driver) instead of growing per request.
 */
export const CODE_NAMED_KEY = /^(class|classname|classorobject|cls|fqcn|fqn|entityname|classmetadata|method|methodname|function|functionname|func|property|propertyname|prop|constant|constname|trait|interface|namespace|package|file|filename|driver|drivername|locale|language|lang|format|guard|store|disk|channel|connection|connectionname|mailer|broker|extension|encoding|charset|annotation|annotationname|attribute|attributename|scope|macro|macroname|type|typename|abstract|concrete|alias|service|servicename|section|component|componentname|view|viewname|template|templatename|event|eventname|command|commandname|rule|transliterator|table|tablename|column|columnname|field|fieldname|route|routename|middleware|provider|handler|listener|option|optionname|setting)$/i;
/** Calls whose result names code: `get_class($x)`, `$refl->getFileName()`, `$this->getHashedFileName()`. */
const CODE_NAMED_CALL = /^(get_class|get_called_class|get_parent_class|get_object_vars|class_implements|class_parents|class_uses|dirname|realpath)$/;
const CODE_NAMED_METHOD = /^(getfilename|gethashedfilename|getname|getshortname|getnamespacename|getdeclaringclass|getclass|getclassname|getpath|getstartline|getendline|getdoccomment|gettype|getalias|getabstract|getcomponentname|getviewname|gettemplatename)$/;
/**
 * Reflection and class-introspection calls: iterating what they return walks the members
 * of a class (its properties, methods, parameters, constants, attributes, interfaces,
 * traits), a set fixed by the deployed code.
 */
const REFLECTION_LIST = /^(getproperties|getmethods|getparameters|getattributes|getreflectionconstants|getconstants|getinterfaces|getinterfacenames|gettraits|gettraitnames|gettraitaliases|getcases|getdefaultproperties|getstaticproperties)$/;
const INTROSPECTION_CALL = /^(get_class_methods|get_class_vars|get_object_vars|class_implements|class_parents|class_uses|get_declared_classes)$/;
/** Variables and properties that hold configuration: a registry filled by a loop over them is bounded by the config. */
const CONFIG_NAME = /^(config|configs|configuration|options|settings|definitions|mappings|defaults)$/i;

/** Plain functions whose result is bounded by a bounded input (or constant-valued). */
const PASS_THROUGH = new Set([
  'strtolower', 'strtoupper', 'trim', 'ltrim', 'rtrim', 'ucfirst', 'lcfirst', 'ucwords', 'md5', 'sha1', 'crc32', 'hash',
  'intval', 'strval', 'floatval', 'boolval', 'json_encode', 'serialize', 'implode', 'join', 'sprintf', 'str_replace',
  'substr', 'mb_strtolower', 'mb_strtoupper', 'abs', 'min', 'max', 'get_class', 'get_parent_class', 'gettype',
  'get_debug_type', 'php_sapi_name', 'phpversion', 'getenv', 'config', 'env', 'constant',
]);

function callName(node: PhpNode): string | undefined {
  if (node.kind !== 'call') return undefined;
  const n = nameOf(node.what);
  if (node.what?.kind === 'name' && n) {
    const i = n.lastIndexOf('\\');
    return (i >= 0 ? n.slice(i + 1) : n).toLowerCase();
  }
  return undefined;
}

function isLiteral(node: PhpNode | null | undefined): boolean {
  if (!node) return false;
  return ['string', 'number', 'boolean', 'nullkeyword', 'magic', 'nowdoc'].includes(node.kind);
}

/** A compile-time constant: literal, constant, class constant, enum case (and its ->value / ->name). */
function isConstantExpr(node: PhpNode | null | undefined): boolean {
  if (!node) return false;
  if (isLiteral(node)) return true;
  if (node.kind === 'name') return true; // FOO (a constant fetch)
  if (node.kind === 'staticlookup' && node.offset?.kind === 'identifier') return true; // X::C, E::Case, X::class
  if (node.kind === 'propertylookup' || node.kind === 'nullsafepropertylookup') {
    const prop = nameOf(node.offset);
    return (prop === 'value' || prop === 'name') && node.what?.kind === 'staticlookup' && node.what.offset?.kind === 'identifier';
  }
  if (node.kind === 'array') return (node.items ?? []).every((it: PhpNode) => it && isConstantExpr(it.kind === 'entry' ? it.value : it) && (it.kind !== 'entry' || !it.key || isConstantExpr(it.key)));
  if (node.kind === 'unary' && (node.type === '-' || node.type === '+')) return isConstantExpr(node.what);
  return false;
}

/** A fixed set of values: an array literal of constants, or a (class) constant holding one. */
function isFixedSet(node: PhpNode | null | undefined): boolean {
  if (!node) return false;
  if (node.kind === 'array') return isConstantExpr(node);
  return node.kind === 'name' || (node.kind === 'staticlookup' && node.offset?.kind === 'identifier');
}

function isVar(node: PhpNode | null | undefined, name: string): boolean {
  return !!node && node.kind === 'variable' && node.name === name;
}

/** `test` being true implies `$name` is in a fixed set. */
function constrains(test: PhpNode | null | undefined, name: string): boolean {
  if (!test) return false;
  switch (test.kind) {
    case 'call': {
      const fn = callName(test);
      const args: PhpNode[] = test.arguments ?? [];
      if (fn === 'in_array') return isVar(args[0], name) && isFixedSet(args[1]);
      if (fn === 'array_key_exists') return isVar(args[0], name) && isFixedSet(args[1]);
      return false;
    }
    case 'isset':
      return (test.variables ?? []).some((v: PhpNode) => v?.kind === 'offsetlookup' && isVar(v.offset, name) && isFixedSet(v.what));
    case 'bin':
      if (test.type === '===' || test.type === '==') {
        return (isVar(test.left, name) && isConstantExpr(test.right)) || (isVar(test.right, name) && isConstantExpr(test.left));
      }
      if (test.type === '&&' || test.type === 'and') return constrains(test.left, name) || constrains(test.right, name);
      if (test.type === '||' || test.type === 'or') return constrains(test.left, name) && constrains(test.right, name);
      return false;
    case 'unary':
      return test.type === '!' && excludes(test.what, name);
    default:
      return false;
  }
}

/** `test` being false implies `$name` is in a fixed set. */
function excludes(test: PhpNode | null | undefined, name: string): boolean {
  if (!test) return false;
  if (test.kind === 'unary' && test.type === '!') return constrains(test.what, name);
  if (test.kind === 'bin') {
    if (test.type === '!==' || test.type === '!=') {
      return (isVar(test.left, name) && isConstantExpr(test.right)) || (isVar(test.right, name) && isConstantExpr(test.left));
    }
    if (test.type === '||' || test.type === 'or') return excludes(test.left, name) || excludes(test.right, name);
    if (test.type === '&&' || test.type === 'and') return excludes(test.left, name) && excludes(test.right, name);
  }
  return false;
}

function endsWithJump(body: PhpNode | null | undefined): boolean {
  if (!body) return false;
  const last = body.kind === 'block' ? (body.children ?? [])[body.children?.length - 1] : body;
  if (!last) return false;
  if (['return', 'throw', 'continue', 'break', 'exit'].includes(last.kind)) return true;
  if (last.kind === 'expressionstatement') return ['throw', 'exit'].includes(last.expression?.kind);
  return false;
}

/** Is `$name` known, at `at` (with its parents), to be one of a fixed set of values? */
function guarded(name: string, at: OwnedNode): boolean {
  const chain = [...at.parents, at.node];
  for (let i = chain.length - 2; i >= 0; i--) {
    const p = chain[i];
    const child = chain[i + 1];
    if (p.kind === 'if' || p.kind === 'retif') {
      const yes = p.kind === 'if' ? p.body : p.trueExpr;
      const no = p.kind === 'if' ? p.alternate : p.falseExpr;
      if (child === yes && constrains(p.test, name)) return true;
      if (child === no && excludes(p.test, name)) return true;
    }
    if (p.kind === 'case' && isConstantExpr(p.test)) {
      const sw = chain.slice(0, i).reverse().find((n) => n.kind === 'switch');
      if (sw && isVar(sw.test, name)) return true;
    }
    if (p.kind === 'foreach' && child === p.body && isFixedSet(p.source) && (isVar(p.value, name) || isVar(p.key, name))) return true;
    // Earlier statements of the same block: `if (!in_array($k, [...])) { return; }`.
    const siblings: PhpNode[] | undefined = p.kind === 'block' || p.kind === 'program' ? p.children : undefined;
    if (siblings) {
      for (const s of siblings) {
        if (s === child) break;
        if (s?.kind === 'if' && !s.alternate && endsWithJump(s.body) && excludes(s.test, name)) return true;
      }
    }
  }
  return false;
}

export interface KeyContext {
  scope: FunctionScope;
  text: string;
}

/** Finds the `$name = …` assignments and loop bindings of a local variable in the scope. */
export function definitionsOf(name: string, ctx: Pick<KeyContext, 'scope'>): Array<{ kind: 'assign'; value: PhpNode; at: OwnedNode } | { kind: 'foreach'; source: PhpNode; at: OwnedNode } | { kind: 'other'; at: OwnedNode }> {
  const defs: ReturnType<typeof definitionsOf> = [];
  for (const o of ctx.scope.owned) {
    const n = o.node;
    if (n.kind === 'assign' && isVar(n.left, name)) {
      if (n.operator === '=' || n.operator === '??=') defs.push({ kind: 'assign', value: n.right, at: o });
      else defs.push({ kind: 'other', at: o });
    } else if (n.kind === 'foreach' && (isVar(n.value, name) || isVar(n.key, name))) {
      defs.push({ kind: 'foreach', source: n.source, at: o });
    } else if ((n.kind === 'post' || n.kind === 'pre') && isVar(n.what, name)) {
      defs.push({ kind: 'other', at: o });
    } else if (n.kind === 'list' || n.kind === 'array') {
      // [$a, $b] = … destructuring: unknown values.
      const o2 = o.parents[o.parents.length - 1];
      if (o2?.kind === 'assign' && o2.left === n && (n.items ?? []).some((it: PhpNode) => isVar(it?.kind === 'entry' ? it.value : it, name))) defs.push({ kind: 'other', at: o });
    }
  }
  return defs;
}

/**
 * Decides whether `key` (an array offset written at `at`) ranges over a
 * bounded set, following local variables through their assignments.
 */
export function keyVerdict(key: PhpNode, at: OwnedNode, ctx: KeyContext, seen: Set<string> = new Set()): KeyVerdict {
  const src = () => sourceOf(ctx.text, key);
  if (isConstantExpr(key)) return BOUNDED;
  switch (key.kind) {
    case 'encapsed': {
      let acc: KeyVerdict = BOUNDED;
      for (const part of key.value ?? []) {
        const e = part?.kind === 'encapsedpart' ? part.expression : part;
        if (e) acc = worst(acc, keyVerdict(e, at, ctx, seen));
      }
      return acc;
    }
    case 'bin': {
      if (['===', '==', '!==', '!=', '<', '>', '<=', '>=', '&&', '||', 'and', 'or', 'xor', 'instanceof', '<=>'].includes(key.type)) return BOUNDED;
      // `$x % N`, `crc32($k) % count($slots)`: the divisor fixes the range of the key.
      if (key.type === '%') return BOUNDED;
      if (key.type === '&' && isConstantExpr(key.right)) return BOUNDED;
      return worst(keyVerdict(key.left, at, ctx, seen), keyVerdict(key.right, at, ctx, seen));
    }
    case 'unary':
      return key.type === '!' ? BOUNDED : keyVerdict(key.what, at, ctx, seen);
    case 'cast':
      return key.type === 'bool' || key.type === 'boolean' ? BOUNDED : keyVerdict(key.expr, at, ctx, seen);
    case 'retif': {
      return worst(keyVerdict(key.trueExpr ?? key.test, at, ctx, seen), keyVerdict(key.falseExpr, at, ctx, seen));
    }
    case 'match': {
      let acc: KeyVerdict = BOUNDED;
      for (const arm of key.arms ?? []) if (arm?.body) acc = worst(acc, keyVerdict(arm.body, at, ctx, seen));
      return acc;
    }
    case 'call': {
      const fn = callName(key);
      if (fn && (CODE_NAMED_CALL.test(fn) || INTROSPECTION_CALL.test(fn))) return BOUNDED;
      const rawMethod = key.what?.kind === 'propertylookup' || key.what?.kind === 'nullsafepropertylookup' ? (nameOf(key.what.offset) ?? '') : '';
      const method = rawMethod.toLowerCase();
      if (CODE_NAMED_METHOD.test(method)) return BOUNDED;
      // $user->getId(), $request->getClientIp(), $token->getToken(): one entry per entity.
      // (Not `$this->getId()`: the object's own id is one key per instance, like spl_object_id().)
      const onThis = key.what?.what?.kind === 'variable' && key.what.what.name === 'this';
      const getter = onThis ? null : /^get([A-Z]\w*)$/.exec(rawMethod);
      if (getter && isEntityName(getter[1]) || getter && isEntityName(getter[1].charAt(0).toLowerCase() + getter[1].slice(1))) {
        const r = requestOf(key, ctx);
        return r ? unbounded(r) : entity(rawMethod, `\`${clip(src())}\``);
      }
      // Coroutine and fiber ids, stream resource ids: a new key for every unit of work.
      const staticMethod = key.what?.kind === 'staticlookup' ? (nameOf(key.what.offset) ?? '').toLowerCase() : '';
      const unit = UNIT_IDS[fn ?? ''] ?? UNIT_IDS[staticMethod];
      if (unit) return unbounded(`keyed by \`${clip(src())}\`: ${unit}`);
      if (fn && CLOCK[fn]) return unbounded(CLOCK[fn]);
      if (fn && FRESH[fn]) return unbounded(FRESH[fn]);
      if (fn === 'request') return unbounded('keyed by request input: the client chooses the keys');
      // Carbon::now(), now()->…, Str::uuid(), Uuid::uuid4()
      const text = src();
      if (/\b(now|today|timestamp|getTimestamp)\s*\(/i.test(text)) return unbounded(`keyed by \`${clip(text)}\`: a new key as time passes`);
      if (/uuid|random|uniqid/i.test(text)) return unbounded(`keyed by \`${clip(text)}\`: a new key on every call`);
      if (fn && PASS_THROUGH.has(fn)) {
        let acc: KeyVerdict = BOUNDED;
        for (const a of key.arguments ?? []) acc = worst(acc, keyVerdict(a, at, ctx, seen));
        return acc;
      }
      const inner = requestOf(key, ctx);
      if (inner) return unbounded(inner);
      // A helper of the class that returns the current coroutine, the clock or a fresh value
      // (`static::getCoroutine()` returning `Fiber::getCurrent()`).
      const helper = helperReturnReason(key, ctx);
      if (helper) return unbounded(`keyed by \`${clip(text)}\`, which returns ${helper}`);
      return unbounded(`keyed by \`${clip(text)}\`, a call result: nothing limits the set of keys`);
    }
    case 'offsetlookup': {
      if (key.what?.kind === 'variable' && REQUEST_VARS.has(key.what.name)) return unbounded(`keyed by request input ($${key.what.name}): the client chooses the keys`);
      if (isFixedSet(key.what)) return BOUNDED; // self::MAP[$x]: one of the constant's values
      const r = requestOf(key, ctx);
      return unbounded(r ?? `keyed by \`${clip(src())}\`, which is not a constant`);
    }
    case 'propertylookup':
    case 'nullsafepropertylookup': {
      const r = requestOf(key, ctx);
      if (r) return unbounded(r);
      const prop = nameOf(key.offset) ?? '';
      if (CODE_NAMED_KEY.test(prop)) return BOUNDED;
      // `$prop->name`, `$method->class` on a reflection object: a member of the code.
      if (/^(name|class)$/.test(prop) && key.what?.kind === 'variable' && typeof key.what.name === 'string' && isReflection(key.what.name, ctx)) return BOUNDED;
      if (isEntityName(prop)) return entity(prop, `\`${clip(src())}\``);
      if (/^(key|name|hash)$/i.test(prop)) {
        return unbounded(`keyed by \`${clip(src())}\`: one entry per distinct ${prop}`);
      }
      return unbounded(`keyed by \`${clip(src())}\`, which is not a constant`);
    }
    case 'post':
    case 'pre': {
      // `C[$this->nextId++]`, `C[++self::$seq]`: a counter kept across calls, a new key on every call.
      const w = key.what;
      if (key.type === '+' && (w?.kind === 'propertylookup' || w?.kind === 'staticlookup')) {
        return unbounded(`keyed by \`${clip(src())}\`, a counter kept across calls: a new key on every call`);
      }
      return unbounded(`keyed by \`${clip(src())}\`, a counter or computed value: nothing limits the set of keys`);
    }
    case 'variable': {
      const name = typeof key.name === 'string' ? key.name : undefined;
      if (!name) return unbounded(`keyed by \`${clip(src())}\`, which is not a constant`);
      if (REQUEST_VARS.has(name)) return unbounded(`keyed by request input ($${name})`);
      if (guarded(name, at)) return BOUNDED;
      if (CODE_NAMED_KEY.test(name)) {
        // A name of the code or its configuration, unless the function takes it from the request
        // (`$column = $request->get('sort')`).
        const fromRequest = definitionsOf(name, ctx)
          .map((d) => (d.kind === 'assign' ? requestOf(d.value, ctx) : d.kind === 'foreach' ? requestOf(d.source, ctx) : undefined))
          .find((r) => !!r);
        return fromRequest ? unbounded(`${fromRequest}, via \`$${name}\``) : BOUNDED;
      }
      // `$name` in a manager/factory/registry class: a configured name (a disk, a channel, a connection).
      if (name === 'name' && /(Manager|Factory|Registry|Resolver|Pool)$/.test(ctx.scope.cls?.name ?? '')) return BOUNDED;
      if (name === 'this') return BOUNDED; // (string) $this / spl-less object keys are rare; `$this` as a key names the class
      if (seen.has(name)) return unbounded(`keyed by \`$${name}\`, which is not a constant`);
      seen.add(name);
      if (ctx.scope.params.has(name)) {
        if (isEntityName(name)) return entity(name, `the parameter \`$${name}\``);
        if (DATA_NAME.test(name)) {
          return unbounded(`keyed by the parameter \`$${name}\`, the data the function works on: one entry per distinct value it is ever given (every string escaped, parsed or converted)`, true);
        }
        return unbounded(`keyed by the parameter \`$${name}\`, whose values are not checked against a fixed set`);
      }
      const defs = definitionsOf(name, ctx);
      // A closure's `use ($cid)`: the value comes from the enclosing function.
      if (defs.length === 0 && ctx.scope.kind === 'closure' && ctx.scope.outer) {
        const uses: PhpNode[] = Array.isArray(ctx.scope.node.uses) ? ctx.scope.node.uses : [];
        if (uses.some((u) => (u?.kind === 'variable' ? u.name : nameOf(u?.name)) === name)) {
          seen.delete(name);
          return keyVerdict(key, { node: key, parents: ctx.scope.outerParents ?? [] }, { ...ctx, scope: ctx.scope.outer }, seen);
        }
      }
      if (defs.length === 0) return unbounded(`keyed by \`$${name}\`, which is not a constant`);
      let acc: KeyVerdict = BOUNDED;
      for (const d of defs) {
        if (d.kind === 'assign') {
          acc = worst(acc, keyVerdict(d.value, d.at, ctx, seen));
        } else if (d.kind === 'foreach') {
          const fromRequest = requestOf(d.source, ctx);
          if (fromRequest) {
            acc = worst(acc, unbounded(`${fromRequest} (the loop variable \`$${name}\` over \`${clip(sourceOf(ctx.text, d.source))}\`)`));
          } else if (!isFixedSet(d.source) && !isBoundedSource(d.source, ctx)) {
            acc = worst(acc, unbounded(`keyed by the loop variable \`$${name}\` over \`${clip(sourceOf(ctx.text, d.source))}\`: one key per element ever seen`));
          }
        } else {
          acc = worst(acc, unbounded(`keyed by \`$${name}\`, a counter or computed value: nothing limits the set of keys`));
        }
      }
      return acc.bounded || acc.reason.includes(', via `') ? acc : { ...acc, reason: `${acc.reason}, via \`$${name}\`` };
    }
    default:
      return unbounded(`keyed by \`${clip(src())}\`, which is not a constant`);
  }
}

/** The reason a call returns the current unit of work, the clock or a fresh value (`Fiber::getCurrent()`), or undefined. */
function freshCallReason(n: PhpNode | null | undefined, text: string): string | undefined {
  if (!n || n.kind !== 'call') return undefined;
  const fn = callName(n);
  const w = n.what;
  const staticMethod = w?.kind === 'staticlookup' ? (nameOf(w.offset) ?? '').toLowerCase() : '';
  const staticClass = w?.kind === 'staticlookup' ? (nameOf(w.what) ?? '') : '';
  // Swoole's `Coroutine::getContext()`: the context object of the running coroutine.
  const unit = UNIT_IDS[fn ?? ''] ?? UNIT_IDS[staticMethod] ?? (staticMethod === 'getcontext' && /(^|\\)Coroutine$/i.test(staticClass) ? UNIT_IDS.getcurrent : undefined);
  const what = `\`${clip(sourceOf(text, n))}\``;
  if (unit) return `${what}: ${unit}`;
  if (fn && CLOCK[fn]) return `${what} (${CLOCK[fn].replace(/^keyed by [^:]*: /, '')})`;
  if (fn && FRESH[fn] && !/one key per object/.test(FRESH[fn])) return `${what} (${FRESH[fn].replace(/^keyed by [^:]*: /, '')})`;
  return undefined;
}

/**
 * `static::getCoroutine()`, `self::now()`, `$this->currentFiber()`: a method of the same class
 * whose returns include the current coroutine or fiber, the clock or a fresh value. The reason
 * of the first such return, or undefined.
 */
function helperReturnReason(call: PhpNode, ctx: KeyContext): string | undefined {
  const w = call.what;
  const cls = ctx.scope.cls;
  if (!cls || !w || w.offset?.kind !== 'identifier') return undefined;
  const onSelf =
    (w.kind === 'staticlookup' && (w.what?.kind === 'selfreference' || w.what?.kind === 'staticreference' || (w.what?.kind === 'name' && nameOf(w.what)?.toLowerCase() === cls.name.toLowerCase()))) ||
    ((w.kind === 'propertylookup' || w.kind === 'nullsafepropertylookup') && isVar(w.what, 'this'));
  if (!onSelf) return undefined;
  const name = (nameOf(w.offset) ?? '').toLowerCase();
  const method = (Array.isArray(cls.node.body) ? cls.node.body : []).find((m: PhpNode) => m?.kind === 'method' && (nameOf(m.name) ?? '').toLowerCase() === name);
  if (!method?.body) return undefined;
  let found: string | undefined;
  const visit = (n: PhpNode) => {
    if (found || !n || typeof n !== 'object') return;
    if (n.kind === 'closure' || n.kind === 'arrowfunc' || n.kind === 'function' || n.kind === 'class') return;
    if (n.kind === 'return') found = freshCallReason(n.expr, ctx.text);
    for (const k of Object.keys(n)) {
      if (k === 'loc') continue;
      const v = n[k];
      for (const x of Array.isArray(v) ? v : [v]) if (x && typeof x === 'object' && typeof x.kind === 'string') visit(x);
    }
  };
  visit(method.body);
  return found;
}

/** A parameter typed `Reflection*`, a variable assigned `new \ReflectionX(…)`, or a loop variable over a reflection list. */
function isReflection(name: string, ctx: KeyContext): boolean {
  for (const p of Array.isArray(ctx.scope.node.arguments) ? ctx.scope.node.arguments : []) {
    if (nameOf(p?.name) === name && /(^|\\)Reflection\w*$/.test(nameOf(p?.type) ?? '')) return true;
  }
  for (const o of ctx.scope.owned) {
    const n = o.node;
    if (n.kind === 'assign' && isVar(n.left, name) && n.right?.kind === 'new' && /(^|\\)Reflection\w*$/.test(nameOf(n.right.what) ?? '')) return true;
    if (n.kind === 'foreach' && isVar(n.value, name) && isBoundedSource(n.source, ctx)) return true;
  }
  return false;
}

/** The base name of `$config`, `$this->options`, `self::$settings['x']`, `$this->config->get(…)`. */
function baseName(n: PhpNode | undefined): string | undefined {
  for (let i = 0; n && i < 6; i++) {
    if (n.kind === 'variable') return typeof n.name === 'string' && n.name !== 'this' ? n.name : undefined;
    if (n.kind === 'propertylookup' || n.kind === 'nullsafepropertylookup' || n.kind === 'staticlookup') {
      const own = nameOf(n.offset);
      if (own && n.what?.kind === 'variable' && n.what.name === 'this') return own;
      if (n.kind === 'staticlookup') return own;
    }
    n = n.kind === 'call' ? n.what : n.what;
  }
  return undefined;
}

/**
 * A loop source whose elements are fixed by the deployed code or configuration: a
 * reflection list (`$refl->getProperties()`), class introspection (`get_class_methods()`),
 * or a configuration array (`$config`, `$this->options`, `config('x')`).
 */
function isBoundedSource(source: PhpNode | undefined, ctx: KeyContext): boolean {
  if (!source) return false;
  if (source.kind === 'call') {
    const fn = callName(source);
    if (fn && (INTROSPECTION_CALL.test(fn) || fn === 'config')) return true;
    const w = source.what;
    const m = w?.kind === 'propertylookup' || w?.kind === 'nullsafepropertylookup' ? (nameOf(w.offset) ?? '').toLowerCase() : '';
    if (REFLECTION_LIST.test(m)) return true;
  }
  const base = baseName(source);
  void ctx;
  return !!base && CONFIG_NAME.test(base);
}

/** `$request->get('id')`, `$request->id`, `Request::input()` …: request input. */
export function requestReason(node: PhpNode): string | undefined {
  let n: PhpNode | undefined = node;
  for (let depth = 0; n && depth < 8; depth++) {
    if (n.kind === 'variable' && typeof n.name === 'string') {
      if (REQUEST_VARS.has(n.name)) return `keyed by request input ($${n.name}): the client chooses the keys`;
      if (REQUEST_NAMES.test(n.name)) return 'keyed by request input: the client chooses the keys';
      return undefined;
    }
    if (n.kind === 'name' && typeof n.name === 'string' && /(^|\\)request$/i.test(n.name)) return 'keyed by request input: the client chooses the keys';
    if (n.kind === 'call' && n.what?.kind === 'name' && /(^|\\)request$/i.test(n.what.name ?? '')) return 'keyed by request input: the client chooses the keys';
    n = n.kind === 'call' ? n.what : n.what;
  }
  return undefined;
}

/**
 * Properties of a request object that hold what the client sent (Symfony's and Laravel's
 * parameter bags), and the getters of a request class that return them (PSR-7's included).
 */
const REQUEST_BAGS = /^(headers|query|request|cookies|server|attributes|files)$/;
const REQUEST_BAG_GETTER = /^get(headers?|headerline|query|queryparams|request|cookies?|cookieparams|server|serverparams|attributes?|files|uploadedfiles|parsedbody)$/i;

/** A class that models the request being served: named `…Request`, or extending/implementing a request type. */
export function isRequestClass(cls: ClassInfo | undefined): boolean {
  if (!cls || cls.kind !== 'class') return false;
  if (/Request$/.test(cls.name)) return true;
  return [cls.extendsFq, ...cls.implementsFq].some((fq) => !!fq && /(request|requestinterface)$/.test(fq));
}

function isThis(n: PhpNode | null | undefined): boolean {
  return !!n && n.kind === 'variable' && n.name === 'this';
}

/**
 * In a request class, `$this->headers`, `$this->query->get('q')`, `$this->server->all()['X']`,
 * `$this->getHeaderLine('Host')`: what the client sent. Undefined elsewhere (a `$this->headers`
 * of a response, a client or a mailer is the program's own data).
 */
export function requestClassInput(node: PhpNode, scope: FunctionScope | undefined): string | undefined {
  const cls = scope?.cls;
  if (!cls || !isRequestClass(cls)) return undefined;
  let n: PhpNode | undefined = node;
  for (let depth = 0; n && typeof n === 'object' && depth < 8; depth++) {
    if ((n.kind === 'propertylookup' || n.kind === 'nullsafepropertylookup') && isThis(n.what)) {
      const prop = nameOf(n.offset) ?? '';
      return REQUEST_BAGS.test(prop) ? `keyed by request input (\`$this->${prop}\` of the request class \`${cls.name}\`): the client chooses the keys` : undefined;
    }
    if (n.kind === 'call' && (n.what?.kind === 'propertylookup' || n.what?.kind === 'nullsafepropertylookup') && isThis(n.what.what)) {
      const method = nameOf(n.what.offset) ?? '';
      return REQUEST_BAG_GETTER.test(method) ? `keyed by request input (\`$this->${method}()\` of the request class \`${cls.name}\`): the client chooses the keys` : undefined;
    }
    n = n.what;
  }
  return undefined;
}

/** Request input named by the expression itself, or read from the request class the scope belongs to. */
function requestOf(node: PhpNode, ctx: Pick<KeyContext, 'scope'>): string | undefined {
  return requestReason(node) ?? requestClassInput(node, ctx.scope);
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
}
