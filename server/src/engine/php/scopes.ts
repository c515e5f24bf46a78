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
}

export interface OwnedNode {
  node: PhpNode;
  /** Ancestors inside the scope, outermost first (the scope node itself first). */
  parents: PhpNode[];
}

export interface FunctionScope {
  id: number;
  node: PhpNode;
  kind: 'function' | 'method' | 'closure' | 'arrowfunc';
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
}

export interface PhpFileModel {
  classes: ClassInfo[];
  scopes: FunctionScope[];
}

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

export function buildFileModel(program: PhpNode): PhpFileModel {
  const classes: ClassInfo[] = [];
  const scopes: FunctionScope[] = [];

  const visit = (node: PhpNode, cls: ClassInfo | undefined, scope: FunctionScope | undefined, parents: PhpNode[]) => {
    if (CLASS_KINDS.has(node.kind)) {
      const info: ClassInfo = {
        name: nameOf(node.name) ?? 'class@anonymous',
        node,
        kind: node.kind as ClassInfo['kind'],
        extendsName: nameOf(node.extends),
        staticProps: new Map(),
      };
      for (const member of Array.isArray(node.body) ? node.body : []) {
        if (member?.kind === 'propertystatement' && member.isStatic) {
          for (const p of Array.isArray(member.properties) ? member.properties : []) {
            const n = nameOf(p?.name);
            if (n) info.staticProps.set(n, p);
          }
        }
      }
      classes.push(info);
      // Members: methods open scopes; property defaults and constants belong to none.
      forEachChild(node, (child) => visit(child, info, undefined, []));
      return;
    }
    if (FUNCTION_KINDS.has(node.kind)) {
      const kind = node.kind as FunctionScope['kind'];
      const fname = nameOf(node.name);
      // Closures keep the class context of where they are written.
      const scopeCls = kind === 'function' ? undefined : cls;
      const displayName =
        kind === 'method' ? `${cls?.name ?? '?'}::${fname ?? '?'}()` : kind === 'function' ? `${fname ?? '?'}()` : kind === 'closure' ? 'a closure' : 'an arrow function';
      const s: FunctionScope = {
        id: scopes.length,
        node,
        kind,
        displayName,
        cls: scopeCls,
        isConstructor: kind === 'method' && (fname ?? '').toLowerCase() === '__construct',
        staticLocals: new Map(),
        globals: new Map(),
        params: new Set(),
        owned: [],
      };
      for (const p of Array.isArray(node.arguments) ? node.arguments : []) {
        const n = nameOf(p?.name);
        if (n) s.params.add(n);
      }
      scopes.push(s);
      if (node.body && typeof node.body === 'object') visit(node.body, scopeCls, s, [node]);
      return;
    }
    if (scope) {
      scope.owned.push({ node, parents });
      if (node.kind === 'static' && scope.kind !== 'closure' && scope.kind !== 'arrowfunc') {
        for (const v of Array.isArray(node.variables) ? node.variables : []) {
          const n = nameOf(v?.variable);
          if (n) scope.staticLocals.set(n, v);
        }
      } else if (node.kind === 'global') {
        for (const v of Array.isArray(node.items) ? node.items : []) {
          const n = nameOf(v);
          if (n) scope.globals.set(n, v);
        }
      }
    }
    const nextParents = scope ? [...parents, node] : parents;
    forEachChild(node, (child) => visit(child, cls, scope, nextParents));
  };

  visit(program, undefined, undefined, []);
  return { classes, scopes };
}

// ---------------------------------------------------------------------------
// Long-lived containers

export type ContainerKind = 'static-property' | 'static-local' | 'global';

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
    return null;
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
