// Configuration written as PHP arrays: Swoole's `$server->set([...])`, Hyperf's
// config/autoload/server.php, webman's config/process.php and config/server.php.
// Works on the php-parser tree of engine/php/parse.ts (read-only use).
import { forEachChild, isNode, phpAstOf, type PhpNode } from '../php/parse';
import type { RuleContext } from '../types';

export interface ArrayItem {
  /** The key: a string literal, a number, or `Constant::OPTION_MAX_REQUEST` read as 'max_request'. */
  key: string | undefined;
  keyNode: PhpNode | undefined;
  value: PhpNode;
  entry: PhpNode;
}

/** The items of an `array(...)` / `[...]` node (entries without a readable key have key undefined). */
export function arrayItems(arr: PhpNode | undefined): ArrayItem[] {
  if (!arr || arr.kind !== 'array' || !Array.isArray(arr.items)) return [];
  const out: ArrayItem[] = [];
  for (const it of arr.items as PhpNode[]) {
    if (!isNode(it)) continue;
    if (it.kind === 'entry') {
      if (!isNode(it.value)) continue;
      out.push({ key: keyName(it.key), keyNode: isNode(it.key) ? it.key : undefined, value: it.value, entry: it });
    } else {
      out.push({ key: undefined, keyNode: undefined, value: it, entry: it });
    }
  }
  return out;
}

/** A readable array key: 'x', 5, Swoole's `Constant::OPTION_X` (whose value is 'x'). */
export function keyName(k: unknown): string | undefined {
  if (!isNode(k)) return undefined;
  if (k.kind === 'string' || k.kind === 'nowdoc') return String(k.value);
  if (k.kind === 'number') return String(k.value);
  if (k.kind === 'staticlookup' && isNode(k.what) && isNode(k.offset) && k.offset.kind === 'identifier') {
    const cls = String(k.what.name ?? '').replace(/^\\/, '');
    const name = String(k.offset.name);
    if (/(^|\\)Constant$/.test(cls) && name.startsWith('OPTION_')) return name.slice('OPTION_'.length).toLowerCase();
  }
  return undefined;
}

export function item(arr: PhpNode | undefined, key: string): ArrayItem | undefined {
  return arrayItems(arr).filter((i) => i.key === key).pop();
}

/** A literal's value: number, string, boolean, null; undefined when it is an expression. */
export function literal(node: PhpNode | undefined): number | string | boolean | null | undefined {
  if (!node) return undefined;
  switch (node.kind) {
    case 'number':
      return Number(String(node.value).replace(/_/g, ''));
    case 'string':
    case 'nowdoc':
      return String(node.value);
    case 'boolean':
      return !!node.value;
    case 'nullkeyword':
      return null;
    case 'name': {
      const n = String(node.name).replace(/^\\/, '').toLowerCase();
      if (n === 'true') return true;
      if (n === 'false') return false;
      if (n === 'null') return null;
      return undefined;
    }
    case 'unary':
      if (node.type === '-') {
        const v = literal(node.what);
        return typeof v === 'number' ? -v : undefined;
      }
      return undefined;
    case 'bin': {
      const l = literal(node.left);
      const r = literal(node.right);
      if (typeof l !== 'number' || typeof r !== 'number') return undefined;
      if (node.type === '*') return l * r;
      if (node.type === '+') return l + r;
      if (node.type === '-') return l - r;
      return undefined;
    }
    case 'cast':
      return literal(node.expr);
    default:
      return undefined;
  }
}

/** The array a PHP config file returns (`return [...]` at top level). */
export function returnedArray(program: PhpNode | null): { ret: PhpNode; arr: PhpNode } | undefined {
  if (!program) return undefined;
  for (const child of (program.children ?? []) as PhpNode[]) {
    if (isNode(child) && child.kind === 'return' && isNode(child.expr) && child.expr.kind === 'array') return { ret: child, arr: child.expr };
  }
  return undefined;
}

/** Calls visit on every node of the tree (pre-order). */
export function walk(node: PhpNode, visit: (n: PhpNode, parent: PhpNode | undefined) => void, parent?: PhpNode): void {
  visit(node, parent);
  forEachChild(node, (c) => walk(c, visit, node));
}

/** `use` imports of the file: alias (lowercase) → fully qualified name without leading backslash. */
export function useMap(program: PhpNode | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!program) return out;
  walk(program, (n) => {
    if (n.kind !== 'usegroup' || !Array.isArray(n.items)) return;
    const prefix = n.name ? String(n.name).replace(/^\\/, '') + '\\' : '';
    for (const it of n.items as PhpNode[]) {
      const full = prefix + String(it.name).replace(/^\\/, '');
      const alias = it.alias ? String(isNode(it.alias) ? it.alias.name : it.alias) : full.split('\\').pop()!;
      out.set(alias.toLowerCase(), full);
    }
  });
  return out;
}

/** A class name as written, resolved through the file's `use` imports. */
export function resolveClass(nameNode: PhpNode | undefined, uses: Map<string, string>): string | undefined {
  if (!nameNode || nameNode.kind !== 'name') return undefined;
  const raw = String(nameNode.name);
  if (raw.startsWith('\\')) return raw.slice(1);
  const [first, ...rest] = raw.split('\\');
  const imported = uses.get(first.toLowerCase());
  return imported ? [imported, ...rest].join('\\') : raw;
}

/** What a receiver expression names, for matching `$x = new …` with `$x->set(…)`: 'x', 'this.server'. */
export function receiverKey(node: PhpNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'variable' && typeof node.name === 'string') return node.name;
  if ((node.kind === 'propertylookup' || node.kind === 'nullsafepropertylookup' || node.kind === 'staticlookup') && isNode(node.offset)) {
    const base = node.what?.kind === 'name' ? String(node.what.name) : receiverKey(node.what);
    const off = node.offset.kind === 'identifier' ? String(node.offset.name) : node.offset.kind === 'variable' ? `$${node.offset.name}` : undefined;
    return base && off ? `${base}.${off}` : undefined;
  }
  return undefined;
}

export type SwooleMode = 'process' | 'base' | 'default' | 'unknown';

export interface SwooleServer {
  /** The `new …` expression. */
  node: PhpNode;
  className: string;
  /** A coroutine server (Swoole\Coroutine\Http\Server …): one process, no manager, no max_request. */
  coroutine: boolean;
  mode: SwooleMode;
  receiver: string | undefined;
  /** The arrays passed to `->set()` on the receiver, in source order. */
  settings: PhpNode[];
}

const PROCESS_SERVERS = /^(open)?swoole\\(http\\|websocket\\|redis\\)?server$|^swoole_(http_|websocket_|redis_)?server$/i;
const COROUTINE_SERVERS = /^(open)?swoole\\coroutine\\(http\\)?server$|^co\\(http\\)?server$/i;

/** The Swoole servers a PHP file creates, with their mode and the settings set on them. */
export function swooleServers(ctx: RuleContext): SwooleServer[] {
  return ctx.shared('config.swooleServers', () => {
    // The text test first: most PHP files never mention Swoole and need no parse for this.
    if (!/swoole|\bco\\/i.test(ctx.doc.text)) return [];
    const program = phpAstOf(ctx).program;
    if (!program) return [];
    const uses = useMap(program);
    const servers: SwooleServer[] = [];
    const setCalls: { receiver: string; arr: PhpNode }[] = [];
    walk(program, (n, parent) => {
      if (n.kind === 'new') {
        const cls = resolveClass(n.what, uses);
        if (!cls) return;
        const coroutine = COROUTINE_SERVERS.test(cls);
        if (!coroutine && !PROCESS_SERVERS.test(cls)) return;
        const args = (n.arguments ?? []) as PhpNode[];
        let mode: SwooleMode = 'default';
        if (!coroutine && args.length >= 3) {
          const m = args[2];
          const name = m.kind === 'name' ? String(m.name).replace(/^\\/, '').toUpperCase() : m.kind === 'staticlookup' && isNode(m.offset) ? String(m.offset.name).toUpperCase() : '';
          const num = literal(m);
          if (/(^|_)BASE$/.test(name) || num === 1) mode = 'base';
          else if (/(^|_)PROCESS$/.test(name) || num === 2) mode = 'process';
          else mode = 'unknown';
        }
        const receiver = parent && parent.kind === 'assign' && parent.right === n ? receiverKey(parent.left) : undefined;
        servers.push({ node: n, className: cls, coroutine, mode, receiver, settings: [] });
      } else if (n.kind === 'call' && isNode(n.what) && (n.what.kind === 'propertylookup' || n.what.kind === 'nullsafepropertylookup')) {
        const off = n.what.offset;
        if (!isNode(off) || off.kind !== 'identifier' || String(off.name).toLowerCase() !== 'set') return;
        const arr = (n.arguments ?? [])[0];
        const receiver = receiverKey(n.what.what);
        if (receiver && isNode(arr) && arr.kind === 'array') setCalls.push({ receiver, arr });
      }
    });
    for (const s of servers) {
      if (s.receiver) s.settings = setCalls.filter((c) => c.receiver === s.receiver).map((c) => c.arr);
    }
    return servers;
  });
}

/** The path in forward slashes, for suffix tests. */
export function slashPath(p: string): string {
  return p.replace(/\\/g, '/');
}

/** Hyperf's config/autoload/server.php. */
export function isHyperfServerConfig(p: string): boolean {
  return /(^|\/)config\/autoload\/server\.php$/.test(slashPath(p));
}

/** webman's config/process.php (not a plugin's: plugins run under the main monitor). */
export function isWebmanProcessConfig(p: string): boolean {
  const s = slashPath(p);
  return /(^|\/)config\/process\.php$/.test(s) && !/\/plugin\/[^/]+\/config\/process\.php$/.test(s);
}

/** webman's config/server.php. */
export function isWebmanServerConfig(p: string): boolean {
  return /(^|\/)config\/server\.php$/.test(slashPath(p)) && !isHyperfServerConfig(p);
}

/** The indentation of an array's items (from its first item), or fallback. */
export function itemIndent(text: string, arr: PhpNode, fallback: string): string {
  const first = arrayItems(arr)[0];
  const off = first?.entry.loc?.start.offset;
  if (off === undefined) return fallback;
  const lineStart = text.lastIndexOf('\n', off - 1) + 1;
  const ws = /^[ \t]*/.exec(text.slice(lineStart, off))?.[0] ?? '';
  return ws.length === off - lineStart ? ws : fallback;
}

/**
 * An edit that adds `'key' => value,` as the last item of a multi-line array
 * (or the first of an empty one); undefined for one-line arrays with items,
 * where a reformat would be needed.
 */
export function appendItemEdit(text: string, arr: PhpNode, itemText: string, eol: string): { at: number; text: string } | undefined {
  const loc = arr.loc;
  if (!loc) return undefined;
  const items = arrayItems(arr);
  const closeAt = text.lastIndexOf(arr.shortForm ? ']' : ')', loc.end.offset);
  if (closeAt < loc.start.offset) return undefined;
  const arrLineStart = text.lastIndexOf('\n', loc.start.offset - 1) + 1;
  const baseIndent = /^[ \t]*/.exec(text.slice(arrLineStart))?.[0] ?? '';
  if (!items.length) {
    return { at: closeAt, text: `${eol}${baseIndent}    ${itemText},${eol}${baseIndent}` };
  }
  const last = items[items.length - 1].entry.loc;
  if (!last) return undefined;
  if (!text.slice(loc.start.offset, closeAt).includes('\n')) return undefined;
  const indent = itemIndent(text, arr, baseIndent + '    ');
  // After the last item's comma (if any), on a new line.
  let at = last.end.offset;
  const rest = text.slice(at, closeAt);
  const comma = /^\s*,/.exec(rest);
  if (comma) at += comma[0].length;
  const needComma = !comma;
  return { at, text: `${needComma ? ',' : ''}${eol}${indent}${itemText}${needComma ? '' : ','}` };
}
