// Ownership of struct fields across the functions of an extension.
//
// The per-function analysis (ownership.ts) treats a block stored in a field as
// handed over: someone else frees it. Two leaks live exactly there:
//
// 1. a field that still owns memory is overwritten (or set to NULL) without the
//    old block being released: a setter that estrdup()s into `obj->name` on every
//    call, `zend_hash_destroy(p->ht); p->ht = NULL;` (the HashTable itself is
//    never freed). "Still owns" comes from the extension: some function stores
//    an allocation into the same field of the same struct type;
// 2. the struct's free handler releases several fields and the struct, but not a
//    field that some function fills with an allocation and no other function
//    releases.
//
// What is known of every file of the extension (headers included) is plain data,
// `FieldFacts`, derived from its text alone and cached per file by the workspace
// (`fileFact`), like the function summaries: struct members and typedefs (to
// resolve `obj->intern->query` to `php_pqstm_t::query`), the allocations stored
// into fields, the fields released, and per function the field names it mentions
// and the functions it calls (a helper that may release a field). Single-file
// mode knows the document alone.
import * as path from 'path';
import type { Node } from 'web-tree-sitter';
import type { RuleContext } from '../types';
import { ALLOCATORS, COPIES, DEALLOCATORS, READERS, TRANSFERS, type Family } from './api';
import { buildCfg, constValue, strip, type Cfg } from './cfg';
import type { FunctionSummary, SummaryLookup } from './ownership';
import { CParseError, parseC } from './parser';
import { preparedEnabled, putPrepared, takePrepared } from './prepared';
import { calleesIn, findUnits, forEachFileScopeNode, reportedAsRequest, type FunctionUnit } from './units';
import { extensionRoot } from './workspace';

// ------------------------------------------------------------------ facts

/** A field access `base->a.b` as written: the base variable's declared type and the field names. */
export interface FieldPath {
  /** The declared type of the base variable (`struct foo`, `foo_t`), when the function or file declares it. */
  baseType?: string;
  chain: string[];
}

/** What the right-hand side of a field store is. */
export type StoredValue = { family: Family } | { callee: string };

export interface FieldStore {
  field: FieldPath;
  value: StoredValue;
  fn: string;
  /** 0-based start line / column and end of the store (the assignment or the allocating call). */
  at: [number, number, number, number];
  /** The store's text (first line, shortened), for messages. */
  text: string;
}

export interface FieldFacts {
  /** typedef name -> the type it names (`php_pqstm_t` -> `struct php_pqstm`). */
  aliases: Array<[string, string]>;
  /** owner type, field name, the field's type. */
  members: Array<[string, string, string]>;
  /** Allocations stored into fields. */
  stores: FieldStore[];
  /** Fields handed to a deallocator, a release-like function or a transfer, or moved out (`x = p->f`). */
  releases: Array<{ field: FieldPath; fn: string }>;
  /** Per function: the field names it mentions, the functions it calls, whether it calls through a pointer. */
  functions: Array<{ name: string; fields: string[]; calls: string[]; indirect: boolean; returns?: Family }>;
}

const RELEASE_NAME = /(free|dtor|destroy|release|clean|clear|close|delete|_del|unref|dispose|shutdown)/i;
/** Allocators that assign the block to their argument (`ALLOC_HASHTABLE(p->ht)`). */
const ASSIGNING_BIND = new Set(['ALLOC_HASHTABLE', 'MAKE_STD_ZVAL', 'ALLOC_INIT_ZVAL']);
/** Destroy a table's contents, keep the HashTable struct (it still needs FREE_HASHTABLE / efree). */
const CONTENT_DESTROYERS = new Set(['zend_hash_destroy', 'zend_hash_clean']);
/** Zero a structure: its fields own nothing afterwards. */
/** An upper-case macro fetching an object into the variable it is given (`TARANTOOL_FETCH_OBJECT(obj, id)`). */
const FETCH_MACRO = /^[A-Z][A-Z0-9_]*(FETCH|_GET_|_GET$|FROM|_OBJ|THIS)[A-Z0-9_]*$/;
const ZEROING = new Set(['memset', 'bzero', 'explicit_bzero', 'ZEND_SECURE_ZERO']);

function args(call: Node): Node[] {
  return call.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment') ?? [];
}

function calleeOf(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  return f?.type === 'identifier' ? f.text : undefined;
}

/** `struct foo`, `foo_t`, or undefined for what is not a named type. */
function typeText(t: Node | null): string | undefined {
  if (!t) return undefined;
  if (t.type === 'type_identifier') return t.text;
  if (t.type === 'struct_specifier' || t.type === 'union_specifier') {
    const name = t.childForFieldName('name');
    return name ? `${t.type === 'struct_specifier' ? 'struct' : 'union'} ${name.text}` : undefined;
  }
  if (t.type === 'macro_type_specifier') return undefined;
  return undefined;
}

/** The declared name, and whether it is a pointer (one level). */
function declared(d: Node | null): { name: string; pointer: boolean; depth: number } | undefined {
  let cur = d;
  let depth = 0;
  for (let i = 0; cur && i < 16; i++) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier' || cur.type === 'type_identifier') return { name: cur.text, pointer: depth === 1, depth };
    if (cur.type === 'pointer_declarator') depth++;
    if (cur.type === 'array_declarator' || cur.type === 'function_declarator') return undefined;
    if (cur.type === 'init_declarator') {
      cur = cur.childForFieldName('declarator');
      continue;
    }
    const next: Node | null = cur.childForFieldName('declarator');
    cur = next ?? (cur.type === 'parenthesized_declarator' ? (cur.namedChildren.find((c) => c && c.type !== 'comment') ?? null) : null);
  }
  return undefined;
}

export interface VarInfo {
  type?: string;
  pointer: boolean;
  /** Declared in the function's body (not a parameter nor a global). */
  local: boolean;
  /** A file-scope variable (`static hp_global_t hp_globals;`). */
  global?: boolean;
}

/** The variables a unit sees: file globals, its parameters, its locals (shadowing ignored). */
function scopeOf(unit: FunctionUnit, globals: Map<string, VarInfo>): Map<string, VarInfo> {
  const out = new Map(globals);
  const def = unit.body.parent;
  if (def?.type === 'function_definition') {
    let d: Node | null = def.childForFieldName('declarator');
    for (let i = 0; d && i < 16 && d.type !== 'function_declarator'; i++) d = d.childForFieldName('declarator');
    for (const p of d?.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p?.type !== 'parameter_declaration') continue;
      const v = declared(p.childForFieldName('declarator'));
      if (v) out.set(v.name, { type: typeText(p.childForFieldName('type')), pointer: v.pointer, local: false });
    }
  }
  for (const decl of unit.body.descendantsOfType('declaration')) {
    if (!decl) continue;
    const type = typeText(decl.childForFieldName('type'));
    for (const d of decl.childrenForFieldName('declarator')) {
      const v = declared(d);
      if (v) out.set(v.name, { type, pointer: v.pointer, local: true });
    }
  }
  return out;
}

function fileScope(root: Node): Map<string, VarInfo> {
  const out = new Map<string, VarInfo>();
  // Iterative (forEachFileScopeNode): file scope may nest `#if`s and `extern "C" {` 10,000 deep.
  forEachFileScopeNode(root, (n) => {
    if (n.type !== 'declaration') return;
    const type = typeText(n.childForFieldName('type'));
    for (const d of n.childrenForFieldName('declarator')) {
      const v = declared(d);
      if (v) out.set(v.name, { type, pointer: v.pointer, local: false, global: true });
    }
  });
  return out;
}

/** A field access rooted at a variable: `p->a.b` -> { base: p, chain: [a, b] }. Subscripts and derefs: undefined. */
interface Access {
  base: string;
  chain: string[];
  /** Normalised text (no spaces): what the dataflow tracks. */
  key: string;
}

function accessOf(n: Node | null | undefined): Access | undefined {
  let cur = strip(n);
  if (cur?.type !== 'field_expression') return undefined;
  const chain: string[] = [];
  const ops: string[] = [];
  for (let i = 0; cur && cur.type === 'field_expression' && i < 16; i++) {
    const f = cur.childForFieldName('field');
    if (!f) return undefined;
    chain.unshift(f.text);
    ops.unshift(cur.childForFieldName('operator')?.text ?? cur.children.find((c) => c?.type === '->' || c?.type === '.')?.text ?? '->');
    cur = strip(cur.childForFieldName('argument'));
  }
  if (cur?.type !== 'identifier') return undefined;
  let key = cur.text;
  for (let i = 0; i < chain.length; i++) key += ops[i] + chain[i];
  return { base: cur.text, chain, key };
}

function pathOf(a: Access, scope: Map<string, VarInfo>): FieldPath {
  const v = scope.get(a.base);
  return v?.type ? { baseType: v.type, chain: a.chain } : { chain: a.chain };
}

function isNull(n: Node | null | undefined): boolean {
  const e = strip(n);
  if (!e) return false;
  if (e.type === 'null' || (e.type === 'identifier' && e.text === 'NULL')) return true;
  return e.type === 'number_literal' && constValue(e) === 0;
}

function familyOfCall(fn: string, a: Node[]): Family | undefined {
  const alloc = ALLOCATORS[fn];
  if (!alloc || alloc.outArg !== undefined || alloc.bindArg !== undefined || alloc.fciArg !== undefined) return undefined;
  if (typeof alloc.family === 'string') return alloc.family;
  if (alloc.persistentArg === undefined || alloc.persistentArg >= a.length) return undefined;
  const v = constValue(a[alloc.persistentArg]);
  return v ? alloc.family[1] : alloc.family[0];
}

/** Where an identifier's value goes: a whole right-hand side, an initializer, a call's argument (not a reader's), a return. */
function escapes(id: Node): boolean {
  let n = id;
  let p = n.parent;
  for (let i = 0; p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression') && i < 8; i++) {
    n = p;
    p = p.parent;
  }
  if (!p) return false;
  if (p.type === 'assignment_expression') return p.childForFieldName('right')?.id === n.id;
  if (p.type === 'init_declarator') return p.childForFieldName('value')?.id === n.id;
  if (p.type === 'return_statement') return true;
  if (p.type === 'argument_list') {
    const fn = p.parent?.type === 'call_expression' ? calleeOf(p.parent) : undefined;
    return !fn || !(READERS.has(fn) || fn in COPIES);
  }
  return false;
}

/**
 * The unit's locals assigned an allocator's result (`s = estrdup(x)`, `char *s = emalloc(n)`, through
 * casts and parentheses), in source order, and the locals handed to a deallocator.
 */
function allocationAssignments(unit: FunctionUnit): { assigned: Array<{ name: string; family: Family; fn: string }>; freed: Set<string> } {
  const assigned: Array<{ name: string; family: Family; fn: string }> = [];
  const freed = new Set<string>();
  for (const call of unit.body.descendantsOfType('call_expression')) {
    const fn = call && calleeOf(call);
    if (!call || !fn) continue;
    const d = DEALLOCATORS[fn];
    if (d) {
      const a = strip(args(call)[d.arg]);
      if (a?.type === 'identifier') freed.add(a.text);
      continue;
    }
    const family = familyOfCall(fn, args(call));
    if (!family) continue;
    let n: Node = call;
    let p = call.parent;
    for (let i = 0; p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression') && i < 8; i++) {
      n = p;
      p = p.parent;
    }
    let name: string | undefined;
    if (p?.type === 'assignment_expression' && p.childForFieldName('right')?.id === n.id) {
      const l = strip(p.childForFieldName('left'));
      if (l?.type === 'identifier') name = l.text;
    } else if (p?.type === 'init_declarator') name = declared(p.childForFieldName('declarator'))?.name;
    if (name) assigned.push({ name, family, fn });
  }
  return { assigned, freed };
}

/**
 * Locals of a unit assigned an allocation whose value goes to exactly one place (`s = estrdup(x); … p->f = s;`):
 * never handed to a deallocator, a second field, a call or a return (a list node linked twice is not owned by each link).
 */
function allocatedLocals(unit: FunctionUnit): Map<string, Family> {
  const out = new Map<string, Family>();
  const { assigned, freed } = allocationAssignments(unit);
  for (const a of assigned) out.set(a.name, a.family);
  for (const f of freed) out.delete(f);
  if (!out.size) return out;
  const uses = new Map<string, number>();
  for (const id of unit.body.descendantsOfType('identifier')) {
    if (id && out.has(id.text) && escapes(id)) uses.set(id.text, (uses.get(id.text) ?? 0) + 1);
  }
  for (const v of [...out.keys()]) if (uses.get(v) !== 1) out.delete(v);
  return out;
}

/** What a store's right-hand side is: an allocation (family known or a callee to resolve), NULL, or something borrowed. */
function valueOf(r: Node | null | undefined, locals: Map<string, Family>): StoredValue | 'null' | 'other' {
  const e = strip(r);
  if (!e) return 'other';
  if (isNull(e)) return 'null';
  if (e.type === 'conditional_expression') {
    for (const side of [e.childForFieldName('consequence'), e.childForFieldName('alternative')]) {
      const v = valueOf(side, locals);
      if (v !== 'null' && v !== 'other') return v;
    }
    return 'other';
  }
  if (e.type === 'identifier') {
    const fam = locals.get(e.text);
    return fam ? { family: fam } : 'other';
  }
  if (e.type === 'call_expression') {
    const fn = calleeOf(e);
    if (!fn) return 'other';
    const fam = familyOfCall(fn, args(e));
    if (fam) return { family: fam };
    if (fn in ALLOCATORS || fn in DEALLOCATORS || fn in TRANSFERS || fn in COPIES || READERS.has(fn)) return 'other';
    // An upper-case macro (`Z_STRVAL_P(zv)`, `ZSTR_VAL(s)`) is an accessor, not a function summarised as allocating.
    if (/^[A-Z0-9_]+$/.test(fn)) return 'other';
    return { callee: fn };
  }
  return 'other';
}

/**
 * The family of the fresh block every `return` of a plain function hands back (NULL aside), read from its
 * text: `return emalloc(…)`, or `return v` of a local assigned from an allocator and never freed in it. A
 * fallback for the helpers whose ownership summary gives up (a block returned after its elements were filled).
 */
function returnedAllocation(unit: FunctionUnit): Family | undefined {
  const assigned = new Map<string, Set<Family>>();
  const all = allocationAssignments(unit);
  const freed = all.freed;
  for (const a of all.assigned) {
    if (ALLOCATORS[a.fn]?.reallocArg !== undefined) continue;
    let set = assigned.get(a.name);
    if (!set) assigned.set(a.name, (set = new Set()));
    set.add(a.family);
  }
  let out: Family | undefined;
  let any = false;
  for (const r of unit.body.descendantsOfType('return_statement')) {
    const v = strip(r?.namedChildren.find((c) => c && c.type !== 'comment'));
    if (!v || isNull(v)) continue;
    let fam: Family | undefined;
    if (v.type === 'identifier') {
      const set = assigned.get(v.text);
      if (!set || set.size !== 1 || freed.has(v.text)) return undefined;
      fam = [...set][0];
    } else if (v.type === 'call_expression') {
      fam = familyOfCall(calleeOf(v) ?? '', args(v));
    }
    if (!fam || (out && out !== fam)) return undefined;
    out = fam;
    any = true;
  }
  return any ? out : undefined;
}

function oneLine(text: string): string {
  const first = text.split(/\r?\n|\r/)[0];
  return first.length > 60 || first.length < text.length ? first.slice(0, 60) + '…' : first;
}

function at(n: Node): [number, number, number, number] {
  return [n.startPosition.row, n.startPosition.column, n.endPosition.row, n.endPosition.column];
}

/** The fields a file's text declares, stores and releases (plain data). */
export function fieldFactsOf(root: Node, units: FunctionUnit[] = findUnits(root)): FieldFacts {
  const facts: FieldFacts = { aliases: [], members: [], stores: [], releases: [], functions: [] };
  // Struct members and typedefs.
  for (const spec of root.descendantsOfType(['struct_specifier', 'union_specifier'])) {
    if (!spec) continue;
    const body = spec.childForFieldName('body');
    if (!body) continue;
    let owner = typeText(spec);
    if (!owner) {
      const td = spec.parent;
      if (td?.type !== 'type_definition') continue;
      const d = declared(td.childForFieldName('declarator'));
      if (!d || d.depth) continue;
      owner = d.name;
    }
    for (const f of body.namedChildren) {
      if (f?.type !== 'field_declaration') continue;
      const ft = typeText(f.childForFieldName('type'));
      for (const d of f.childrenForFieldName('declarator')) {
        const v = declared(d);
        if (v) facts.members.push([owner, v.name, ft ?? '']);
      }
    }
  }
  for (const td of root.descendantsOfType('type_definition')) {
    const t = td && typeText(td.childForFieldName('type'));
    if (!td || !t) continue;
    for (const d of td.childrenForFieldName('declarator')) {
      const v = declared(d);
      if (v && !v.depth && v.name !== t) facts.aliases.push([v.name, t]);
    }
  }
  const globals = fileScope(root);
  for (const unit of units) {
    const scope = scopeOf(unit, globals);
    const locals = allocatedLocals(unit);
    const fields = new Set<string>();
    for (const f of unit.body.descendantsOfType('field_identifier')) if (f) fields.add(f.text);
    const calls = new Set<string>();
    let indirect = false;
    for (const call of unit.body.descendantsOfType('call_expression')) {
      if (!call) continue;
      const fn = calleeOf(call);
      if (fn) calls.add(fn);
      else indirect = true;
      if (!fn) continue;
      const as = args(call);
      // Stores through an allocator: ALLOC_HASHTABLE(p->ht), spprintf(&p->buf, …).
      const alloc = ALLOCATORS[fn];
      if (alloc && alloc.bindArg !== undefined && ASSIGNING_BIND.has(fn)) {
        const a = accessOf(as[alloc.bindArg]);
        if (a && typeof alloc.family === 'string') {
          facts.stores.push({ field: pathOf(a, scope), value: { family: alloc.family }, fn: unit.name, at: at(call), text: oneLine(call.text) });
        }
      } else if (alloc && alloc.outArg !== undefined && typeof alloc.family === 'string' && alloc.family !== 'zval-ref') {
        const arg = strip(as[alloc.outArg]);
        const a = arg?.type === 'pointer_expression' ? accessOf(arg.childForFieldName('argument')) : undefined;
        if (a) facts.stores.push({ field: pathOf(a, scope), value: { family: alloc.family }, fn: unit.name, at: at(call), text: oneLine(call.text) });
      }
      // Releases: p->f (or &p->f) handed to a deallocator, a transfer or a release-like function.
      // Only the argument a deallocator releases or a transfer moves (zend_hash_update's key is copied).
      const only = DEALLOCATORS[fn]?.arg ?? TRANSFERS[fn]?.arg;
      const releasing = only !== undefined || (RELEASE_NAME.test(fn) && !CONTENT_DESTROYERS.has(fn));
      if (!releasing) continue;
      for (const raw of only !== undefined ? as.slice(only, only + 1) : as) {
        let arg = strip(raw);
        if (arg?.type === 'pointer_expression' && arg.childForFieldName('operator')?.text === '&') arg = strip(arg.childForFieldName('argument'));
        const a = accessOf(arg);
        if (a) facts.releases.push({ field: pathOf(a, scope), fn: unit.name });
      }
    }
    for (const asg of unit.body.descendantsOfType(['assignment_expression', 'init_declarator'])) {
      if (!asg) continue;
      const isAsg = asg.type === 'assignment_expression';
      if (isAsg && asg.childForFieldName('operator')?.text !== '=') continue;
      const right = isAsg ? asg.childForFieldName('right') : asg.childForFieldName('value');
      // Moved out: `old = p->f` hands the block to whatever the local does next.
      const moved = accessOf(right);
      if (moved) facts.releases.push({ field: pathOf(moved, scope), fn: unit.name });
      if (!isAsg) continue;
      const a = accessOf(asg.childForFieldName('left'));
      if (!a) continue;
      const v = valueOf(right, locals);
      if (v === 'null' || v === 'other') continue;
      facts.stores.push({ field: pathOf(a, scope), value: v, fn: unit.name, at: at(asg), text: oneLine(asg.text) });
    }
    const returns = unit.kind === 'other' || unit.kind === 'helper' ? returnedAllocation(unit) : undefined;
    facts.functions.push({ name: unit.name, fields: [...fields], calls: [...calls], indirect, ...(returns ? { returns } : {}) });
  }
  return facts;
}

// ------------------------------------------------------------------ the extension's view

interface ResolvedStore extends FieldStore {
  family: Family;
  key: string;
  /** Another file's path; undefined: the document. */
  file?: string;
}

type RawStore = FieldStore & { key: string; file?: string };

/**
 * Every file's facts merged: type resolution, stores and releases by field key, the functions. Plain
 * data but for the memo: shared by the documents of the extension (ws.shared) until a file changes.
 */
export class ExtensionFields {
  private readonly aliases = new Map<string, string>();
  private readonly members = new Map<string, Map<string, string>>();
  private readonly owners = new Map<string, Set<string>>();
  /** Stores by field key, their callees not resolved yet (see `storesAt`). */
  readonly rawStores = new Map<string, RawStore[]>();
  /** Field key -> functions releasing it. */
  readonly releases = new Map<string, Set<string>>();
  readonly functions = new Map<string, { fields: Set<string>; calls: string[]; indirect: boolean; returns?: Family }>();
  private readonly touchMemo = new Map<string, boolean>();

  constructor(
    files: Array<{ file?: string; facts: FieldFacts }>,
    /** Every file of the extension is known (a workspace): a function none defines is not the extension's. */
    readonly complete: boolean,
  ) {
    for (const { facts } of files) {
      for (const [a, t] of facts.aliases) if (!this.aliases.has(a)) this.aliases.set(a, t);
    }
    for (const { facts } of files) {
      for (const [o, f, t] of facts.members) {
        const owner = this.canon(o);
        let m = this.members.get(owner);
        if (!m) this.members.set(owner, (m = new Map()));
        if (!m.has(f)) m.set(f, t);
        let s = this.owners.get(f);
        if (!s) this.owners.set(f, (s = new Set()));
        s.add(owner);
      }
      for (const fn of facts.functions) {
        if (!this.functions.has(fn.name)) this.functions.set(fn.name, { fields: new Set(fn.fields), calls: fn.calls, indirect: fn.indirect, returns: fn.returns });
      }
    }
    for (const { file, facts } of files) {
      for (const s of facts.stores) {
        const key = this.keyOf(s.field);
        let list = this.rawStores.get(key);
        if (!list) this.rawStores.set(key, (list = []));
        list.push({ ...s, key, file });
      }
      for (const r of facts.releases) {
        const key = this.keyOf(r.field);
        let set = this.releases.get(key);
        if (!set) this.releases.set(key, (set = new Set()));
        set.add(r.fn);
      }
    }
  }

  /** The allocations stored at a field key: API allocators, and calls to functions summarised (or read) as allocating. */
  storesAt(key: string, summaries: SummaryLookup): ResolvedStore[] {
    const out: ResolvedStore[] = [];
    for (const s of this.rawStores.get(key) ?? []) {
      const family = 'family' in s.value ? s.value.family : (summaries(s.value.callee)?.returns ?? this.functions.get(s.value.callee)?.returns);
      if (family) out.push({ ...s, family });
    }
    return out;
  }

  canon(t: string): string {
    let cur = t.replace(/\bconst\b\s*/g, '').trim();
    for (let i = 0; i < 8; i++) {
      const next = this.aliases.get(cur);
      if (!next || next === cur) break;
      cur = next;
    }
    return cur;
  }

  /** `owner::field`; `?::field` when the owner cannot be resolved (a base declared by a macro, a struct not in view). */
  keyOf(p: FieldPath): string {
    const last = p.chain[p.chain.length - 1];
    let owner: string | undefined = p.baseType !== undefined ? this.canon(p.baseType) : undefined;
    for (let i = 0; owner !== undefined && i < p.chain.length - 1; i++) {
      const t = this.members.get(owner)?.get(p.chain[i]);
      owner = t ? this.canon(t) : undefined;
    }
    if (owner === undefined || (this.members.size && !this.members.get(owner)?.has(last) && this.members.has(owner))) {
      // The one struct of the extension declaring a field of that name.
      const s = this.owners.get(last);
      owner = s?.size === 1 ? [...s][0] : undefined;
    }
    return `${owner ?? '?'}::${last}`;
  }

  /** The type of the struct `p` designates (`obj->intern` -> `php_pqstm_t`'s canonical name), when known. */
  typeOf(p: FieldPath): string | undefined {
    let t: string | undefined = p.baseType !== undefined ? this.canon(p.baseType) : undefined;
    for (let i = 0; t !== undefined && i < p.chain.length; i++) {
      const m = this.members.get(t)?.get(p.chain[i]);
      t = m ? this.canon(m) : undefined;
    }
    return t;
  }

  /** Whether the function, or one of the extension's functions it calls, mentions a field of that name. */
  touches(fn: string, field: string, depth = 0): boolean {
    const memo = `${fn}\u0000${field}`;
    const hit = this.touchMemo.get(memo);
    if (hit !== undefined) return hit;
    this.touchMemo.set(memo, false);
    const f = this.functions.get(fn);
    let out: boolean;
    if (!f) out = !this.complete && !knownApi(fn);
    else if (f.fields.has(field) || f.indirect) out = true;
    else out = depth < 8 && f.calls.some((c) => c !== fn && this.functions.has(c) && this.touches(c, field, depth + 1));
    this.touchMemo.set(memo, out);
    return out;
  }
}

/** A Zend / libc name: it knows nothing of the extension's structs. */
function knownApi(fn: string): boolean {
  return (
    fn in ALLOCATORS || fn in DEALLOCATORS || fn in TRANSFERS || fn in COPIES || READERS.has(fn) ||
    /^(zend_|_zend_|ZEND_|Z_|ZVAL_|zval_|php_error|smart_str|mem|str|efree|pefree|emalloc|ecalloc|free$|malloc$)/.test(fn)
  );
}

const FIELDS_FACT = 'c.fieldFacts';
const MAX_FILES = 400;

/**
 * `ZEND_BEGIN_MODULE_GLOBALS(x) … ZEND_END_MODULE_GLOBALS(x)` (no `;` after it) swallows the header's next
 * declaration, often the object's struct: blanked (same length, same lines) for this parse of a header.
 */
function blankModuleGlobals(text: string): string {
  return text.replace(/\bZEND_(?:BEGIN|END|EXTERN|DECLARE)_MODULE_GLOBALS\s*\([^()\n]*\)/g, (m) => ' '.repeat(m.length));
}

function factsOfText(raw: string, file: string): FieldFacts {
  const text = blankModuleGlobals(raw);
  const prepared = preparedEnabled() && text === raw ? takePrepared(file, text) : undefined;
  let tree = prepared?.tree;
  if (!tree) {
    try {
      tree = parseC(text);
    } catch (e) {
      if (e instanceof CParseError) return { aliases: [], members: [], stores: [], releases: [], functions: [] };
      throw e;
    }
  }
  try {
    return fieldFactsOf(tree.rootNode);
  } finally {
    if (prepared) putPrepared(file, prepared);
    else tree.delete();
  }
}

function mergedFacts(ctx: RuleContext, root: Node, units: FunctionUnit[]): ExtensionFields {
  const own = () => fieldFactsOf(root, units);
  const ws = ctx.workspace;
  if (!ws) return new ExtensionFields([{ facts: own() }], false);
  const dir = extensionRoot(ctx);
  const self = path.resolve(ctx.doc.path);
  const inside = (f: string) => (dir === path.dirname(ctx.doc.path) ? path.dirname(f) === dir : f.startsWith(dir + path.sep));
  const others = ws.files('c').filter((f) => /\.[ch]$/.test(f) && inside(f) && path.resolve(f) !== self);
  if (others.length > MAX_FILES) return new ExtensionFields([{ facts: own() }], false);
  const siblings = () => {
    const out: Array<{ file?: string; facts: FieldFacts }> = [];
    for (const f of others) {
      const facts = ws.fileFact(FIELDS_FACT, f, (t) => factsOfText(t, f));
      if (facts) out.push({ file: path.resolve(f), facts });
    }
    return out;
  };
  // The document as the workspace reads it (no unsaved edit, no blanked macro): its fact is what
  // factsOfText would give, and the merged view serves every document of the extension.
  if (ws.read(ctx.doc.path) === ctx.doc.text && blankModuleGlobals(ctx.doc.text) === ctx.doc.text) {
    ws.fileFact(FIELDS_FACT, ctx.doc.path, own);
    const all = ws.files('c').filter((f) => /\.[ch]$/.test(f) && inside(f));
    return ws.shared(`${FIELDS_FACT}\u0000${dir}`, () => {
      const files: Array<{ file?: string; facts: FieldFacts }> = [];
      for (const f of all) {
        const facts = ws.fileFact(FIELDS_FACT, f, (t) => factsOfText(t, f));
        if (facts) files.push({ file: path.resolve(f), facts });
      }
      return new ExtensionFields(files, true);
    });
  }
  return new ExtensionFields([{ facts: own() }, ...siblings()], true);
}

// ------------------------------------------------------------------ findings

export interface FieldLeak {
  kind: 'overwrite' | 'null' | 'forgotten' | 'destroyed';
  /** The node reported (the store, or the release of the struct in a free handler). */
  node: Node;
  /** The field as written (`connection->login`). */
  access: string;
  family: Family;
  /** The store of an allocation into that field elsewhere (or earlier on the path). */
  evidence?: ResolvedStore;
  unit: FunctionUnit;
  /** The old block was stored by this function earlier on the path. */
  earlier?: boolean;
}

const INIT_NAME = /(^|_|:)(__construct|construct|init|initialize|initialise|ctor|create|new|alloc|clone|dup|copy|factory|instantiate|ginit|rinit|startup)([A-Z_:]|$)/i;

/**
 * Set-up code, whose object's fields hold nothing yet: constructors, create / init / clone
 * functions, and the plain functions of the file that only they call.
 */
function initUnits(units: FunctionUnit[]): Set<FunctionUnit> {
  const init = new Set(units.filter((u) => INIT_NAME.test(u.name)));
  const byName = new Map<string, FunctionUnit>();
  for (const u of units) if ((u.kind === 'other' || u.kind === 'helper') && !byName.has(u.name)) byName.set(u.name, u);
  const callers = new Map<FunctionUnit, Set<FunctionUnit>>();
  for (const u of units) {
    for (const name of calleesIn(u.body)) {
      const h = byName.get(name);
      if (!h || h === u) continue;
      let s = callers.get(h);
      if (!s) callers.set(h, (s = new Set()));
      s.add(u);
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [h, cs] of callers) {
      if (init.has(h) || ![...cs].every((c) => init.has(c))) continue;
      init.add(h);
      changed = true;
    }
  }
  return init;
}

type Status = 'U' | 'D' | 'F';
const RANK: Record<Status, number> = { D: 0, F: 1, U: 2 };
const join = (a: Status, b: Status): Status => (RANK[a] >= RANK[b] ? a : b);

/** A null test of a tracked field: which edge of the condition sees it NULL. */
function nullTest(cond: Node): { key: string; nullOn: 0 | 1 } | undefined {
  const e = strip(cond);
  if (!e) return undefined;
  const a = accessOf(e);
  if (a) return { key: a.key, nullOn: 1 };
  if (e.type === 'unary_expression' && e.childForFieldName('operator')?.text === '!') {
    const x = accessOf(e.childForFieldName('argument'));
    return x ? { key: x.key, nullOn: 0 } : undefined;
  }
  if (e.type === 'binary_expression') {
    const op = e.childForFieldName('operator')?.text;
    // `!p->f && x`: its true edge sees p->f NULL; `p->f || x`: its false edge does.
    if (op === '&&' || op === '||') {
      for (const side of [e.childForFieldName('left'), e.childForFieldName('right')]) {
        const t = side && nullTest(side);
        if (t && t.nullOn === (op === '&&' ? 0 : 1)) return t;
      }
      return undefined;
    }
    if (op !== '==' && op !== '!=') return undefined;
    const l = e.childForFieldName('left');
    const r = e.childForFieldName('right');
    const x = isNull(r) ? accessOf(l) : isNull(l) ? accessOf(r) : undefined;
    return x ? { key: x.key, nullOn: op === '==' ? 0 : 1 } : undefined;
  }
  return undefined;
}

/** The overwrite findings of one unit (a forward dataflow over its CFG). */
function overwrites(
  unit: FunctionUnit,
  ext: ExtensionFields,
  summaries: SummaryLookup,
  scope: Map<string, VarInfo>,
  init: boolean,
  docPath: string,
  check: () => void,
): FieldLeak[] {
  // Candidates: fields the unit stores an allocation or NULL into, that own memory somewhere in the extension.
  const locals = allocatedLocals(unit);
  const tracked = new Map<string, { access: Access; fieldKey: string; evidence: ResolvedStore[]; selfOnly: boolean }>();
  const consider = (a: Access | undefined) => {
    if (!a || tracked.has(a.key)) return;
    const fieldKey = ext.keyOf(pathOf(a, scope));
    const ev = ext.storesAt(fieldKey, summaries);
    if (!ev?.length) return;
    // Only this function stores there: the object's other functions (its free handler) may not be in view.
    const selfOnly = ev.every((e) => e.fn === unit.name && (!e.file || e.file === docPath));
    tracked.set(a.key, { access: a, fieldKey, evidence: ev, selfOnly });
  };
  for (const asg of unit.body.descendantsOfType('assignment_expression')) {
    if (!asg || asg.childForFieldName('operator')?.text !== '=') continue;
    const v = valueOf(asg.childForFieldName('right'), locals);
    if (v === 'other') continue;
    consider(accessOf(asg.childForFieldName('left')));
  }
  for (const call of unit.body.descendantsOfType('call_expression')) {
    const fn = call && calleeOf(call);
    if (fn && ASSIGNING_BIND.has(fn)) consider(accessOf(args(call!)[0]));
  }
  if (!tracked.size) return [];
  const bases = new Set([...tracked.values()].map((t) => t.access.base));
  const initial = (a: Access): Status => {
    if (init) return 'D';
    const v = scope.get(a.base);
    // A local struct (not a pointer) is fresh storage; a local pointer is U once assigned (see below).
    if (v?.local && !v.pointer) return 'D';
    return 'U';
  };
  let cfg: Cfg;
  try {
    cfg = buildCfg(unit.body);
  } catch {
    return [];
  }
  const keys = [...tracked.keys()];
  type State = Map<string, Status>;
  const entry: State = new Map(keys.map((k) => [k, initial(tracked.get(k)!.access)]));
  const inStates = new Map<number, State>();
  inStates.set(cfg.entry, entry);
  const work = [cfg.entry];
  const found = new Map<number, FieldLeak>();

  const setD = (st: State, key: string) => {
    if (st.has(key)) st.set(key, 'D');
  };
  /** A call receiving `text` (a field access, its address, or a variable): what it may do to the tracked fields. */
  const onArg = (st: State, fn: string | undefined, raw: Node, first: boolean) => {
    let arg = strip(raw);
    let byAddress = false;
    if (arg?.type === 'pointer_expression' && arg.childForFieldName('operator')?.text === '&') {
      arg = strip(arg.childForFieldName('argument'));
      byAddress = true;
    }
    if (!arg) return;
    const a = accessOf(arg);
    const text = a ? a.key : arg.type === 'identifier' ? arg.text : undefined;
    if (!text) {
      // An expression mentioning a tracked field (`foo(p->f + 1)`): it may keep it.
      for (const k of keys) if (arg.text.replace(/\s+/g, '') .includes(k)) setD(st, k);
      return;
    }
    for (const k of keys) {
      if (k === text) {
        if (fn && (READERS.has(fn) || fn in COPIES)) continue;
        if (fn && CONTENT_DESTROYERS.has(fn) && !byAddress) continue;
        setD(st, k);
      } else if (k.startsWith(text + '->') || k.startsWith(text + '.')) {
        // `FETCH_OBJECT(obj, id)`: a macro that fetches the object into `obj`, whose fields hold what they held.
        if (fn && !byAddress && arg.type === 'identifier' && FETCH_MACRO.test(fn)) {
          st.set(k, init ? 'D' : 'U');
          continue;
        }
        // The struct holding the field: zeroed or copied over (memset, memcpy into it), or a callee that may release it.
        const chain = tracked.get(k)!.access.chain;
        const local = scope.get(tracked.get(k)!.access.base);
        // `&entry` of a local struct handed to any call (zend_hash_update_mem copies it, blocks included).
        if (byAddress && arg.type === 'identifier' && local?.local && !local.pointer) setD(st, k);
        else if (fn && (ZEROING.has(fn) || ((fn === 'memcpy' || fn === 'memmove') && first))) setD(st, k);
        else if (fn && (READERS.has(fn) || fn in COPIES || fn in DEALLOCATORS)) continue;
        else if (!fn || !ext.functions.has(fn) ? !fn || !knownApi(fn) : ext.touches(fn, chain[chain.length - 1])) setD(st, k);
      }
    }
  };
  /**
   * Where a field's old block is known to be live (U): an object fetched by a PHP function or method
   * (a setter), a global struct, or a struct this function frees (a free handler clearing a field). A
   * plain helper's struct may be fresh, or hold a borrowed pointer by a flag or type tag it tests.
   */
  const entryUnit = !!unit.macro && ['PHP_FUNCTION', 'PHP_METHOD', 'ZEND_FUNCTION', 'ZEND_METHOD'].includes(unit.macro);
  const freesBase = (base: string) =>
    unit.body.descendantsOfType('call_expression').some((c) => {
      const fn = c && calleeOf(c);
      if (!c || !fn || !['efree', 'pefree', 'free', 'zend_object_std_dtor'].includes(fn)) return false;
      let x = strip(args(c)[0]);
      // The struct itself (`efree(obj)`), or its embedded zend_object (`zend_object_std_dtor(&obj->std)`).
      if (fn === 'zend_object_std_dtor' && x?.type === 'pointer_expression') {
        x = strip(x.childForFieldName('argument'));
        if (x?.type === 'field_expression') x = strip(x.childForFieldName('argument'));
      }
      return x?.type === 'identifier' && x.text === base;
    });
  const entryOrGlobal = (a: Access) => entryUnit || !!scope.get(a.base)?.global || freesBase(a.base);
  /** The statements storing a block into each field (F's origin, for the loop test above). */
  const lastStore = new Map<string, Set<number>>();
  const store = (st: State, n: Node, a: Access, v: StoredValue | 'null' | 'other', cfgId: number) => {
    const t = tracked.get(a.key);
    // The fields below it belong to the new value: a fresh block's hold nothing yet.
    const below = v === 'other' && !init ? 'U' : 'D';
    for (const k of keys) if (k !== a.key && (k.startsWith(a.key + '->') || k.startsWith(a.key + '.'))) st.set(k, below);
    if (!t) return;
    const s = st.get(a.key)!;
    // A plain function's parameter may be a fresh struct its caller fills (an array element, a new
    // object): replacing its field is reported only when this function stored the old block itself.
    // A handler macro's parameters (`DBA_OPEN_FUNC(x)`: `info`) are not declared in its text.
    const handler = !!unit.macro && !['PHP_FUNCTION', 'PHP_METHOD', 'ZEND_FUNCTION', 'ZEND_METHOD'].includes(unit.macro);
    const param = (unit.params.includes(a.base) && !scope.get(a.base)?.local) || (handler && !scope.has(a.base));
    // F: stored by this function earlier on the path, by another statement (the same one again is a loop
    // over input, e.g. an XML attribute list, which rarely holds a duplicate).
    const again = s === 'F' && lastStore.get(a.key)?.has(n.id) && lastStore.get(a.key)!.size === 1;
    const destroyed = v === 'null' && unit.body.descendantsOfType('call_expression').some((c) => {
      const fn = c && calleeOf(c);
      return !!c && !!fn && CONTENT_DESTROYERS.has(fn) && c.endIndex <= n.startIndex && accessOf(args(c)[0])?.key === a.key;
    });
    const owned = (s === 'F' && !again) || (s === 'U' && (v === 'null' || !param) && (entryOrGlobal(a) || destroyed));
    if (v !== 'other' && owned && !found.has(cfgId)) {
      const fam = t.evidence[0].family;
      found.set(cfgId, {
        kind: v === 'null' ? 'null' : 'overwrite',
        node: n,
        access: a.key,
        family: fam,
        // The block stored earlier on this path, or one stored by another function.
        evidence: (s === 'F' ? t.evidence.find((e) => e.fn === unit.name && (!e.file || e.file === docPath)) : undefined) ?? t.evidence.find((e) => e.fn !== unit.name) ?? t.evidence[0],
        unit,
        earlier: s === 'F',
      });
    }
    st.set(a.key, v === 'null' || v === 'other' ? 'D' : 'F');
    if (v !== 'null' && v !== 'other') {
      let set = lastStore.get(a.key);
      if (!set) lastStore.set(a.key, (set = new Set()));
      set.add(n.id);
    }
  };
  // Objects this function creates (`object_init_ex(zv, ce)`): a struct fetched from them is fresh.
  const created = new Set<string>();
  for (const call of unit.body.descendantsOfType('call_expression')) {
    const fn = call && calleeOf(call);
    if (!call || (fn !== 'object_init_ex' && fn !== 'object_init')) continue;
    let a0 = strip(args(call)[0]);
    if (a0?.type === 'pointer_expression') a0 = strip(a0.childForFieldName('argument'));
    if (a0?.type === 'identifier') created.add(a0.text);
  }
  // Locals this function assigns an allocation to (wherever the block goes next).
  const allocated = new Set<string>();
  for (const call of unit.body.descendantsOfType('call_expression')) {
    const fn = call && calleeOf(call);
    if (!call || !fn || !familyOfCall(fn, args(call))) continue;
    let p = call.parent;
    for (let i = 0; p && (p.type === 'parenthesized_expression' || p.type === 'cast_expression') && i < 8; i++) p = p.parent;
    if (p?.type === 'assignment_expression') {
      const l = strip(p.childForFieldName('left'));
      if (l?.type === 'identifier') allocated.add(l.text);
    } else if (p?.type === 'init_declarator') {
      const d = declared(p.childForFieldName('declarator'));
      if (d) allocated.add(d.name);
    }
  }
  const rebase = (st: State, name: string, value: Node | null) => {
    if (!bases.has(name)) return;
    const e = strip(value);
    const v = scope.get(name);
    let fresh = !!v?.local && !v.pointer;
    // The object this function creates (`object_init_ex(zv, ce)`) or returns (`Z_FOO_P(return_value)`).
    if (e && e.descendantsOfType('identifier').some((id) => !!id && (created.has(id.text) || id.text === 'return_value'))) fresh = true;
    if (e?.type === 'pointer_expression' && e.childForFieldName('operator')?.text === '&') fresh = true;
    // `cur = fields` of a block this function allocates, `cur = base + i`: elements of a new array.
    else if (e?.type === 'identifier' && allocated.has(e.text)) fresh = true;
    else if (e?.type === 'binary_expression' && (e.childForFieldName('operator')?.text === '+' || e.childForFieldName('operator')?.text === '-')) fresh = true;
    else if (e?.type === 'call_expression') {
      const fn = calleeOf(e);
      fresh ||= !!fn && (!!familyOfCall(fn, args(e)) || !!ext.complete && !!ext.functions.get(fn) && /alloc|new|create|init/i.test(fn));
    } else if (isNull(e)) fresh = true;
    for (const k of keys) if (tracked.get(k)!.access.base === name) st.set(k, fresh || init ? 'D' : 'U');
  };
  /** `x = p`, `x = p->sub`: the struct holding the field now has another holder, which may release it. */
  const handedWhole = (st: State, value: Node | null) => {
    let v = strip(value);
    // `arr[i] = *p`: a copy of the whole struct now holds its blocks too.
    if (v?.type === 'pointer_expression' && v.childForFieldName('operator')?.text === '*') v = strip(v.childForFieldName('argument'));
    const w = v?.type === 'identifier' ? v.text : accessOf(v)?.key;
    if (w) for (const k of keys) if (k.startsWith(w + '->') || k.startsWith(w + '.')) setD(st, k);
  };
  const visit = (st: State, n: Node, cfgId: number) => {
    check();
    switch (n.type) {
      case 'assignment_expression': {
        const right = n.childForFieldName('right');
        const left = n.childForFieldName('left');
        if (right) visit(st, right, cfgId);
        const moved = accessOf(right);
        if (moved) setD(st, moved.key);
        handedWhole(st, right);
        if (n.childForFieldName('operator')?.text !== '=') {
          // `cur += n`: the next elements of an array, fresh as far as this function knows.
          const b = strip(left);
          if (b?.type === 'identifier' && bases.has(b.text)) for (const k of keys) if (tracked.get(k)!.access.base === b.text) st.set(k, 'D');
          return;
        }
        const l = strip(left);
        // `*p = *old`, `p->sub = other`: the struct (or the part holding the field) is written over as a whole.
        const whole = l?.type === 'pointer_expression' ? strip(l.childForFieldName('argument')) : l;
        if (whole) {
          const w = whole.type === 'identifier' ? whole.text : accessOf(whole)?.key;
          if (w) for (const k of keys) if (k.startsWith(w + '->') || k.startsWith(w + '.')) st.set(k, 'D');
        }
        const a = accessOf(l);
        if (a) {
          // `p->f = erealloc(p->f, n)`, `p->f = next(p->f)`: the old block is handed to the right-hand side.
          if (right && right.text.replace(/\s+/g, '').includes(a.key)) setD(st, a.key);
          store(st, n, a, valueOf(right, locals), cfgId);
        } else if (l?.type === 'identifier') rebase(st, l.text, right);
        else if (left) visit(st, left, cfgId);
        return;
      }
      case 'init_declarator': {
        const value = n.childForFieldName('value');
        if (value) visit(st, value, cfgId);
        const moved = accessOf(value);
        if (moved) setD(st, moved.key);
        handedWhole(st, value);
        const d = declared(n.childForFieldName('declarator'));
        if (d) rebase(st, d.name, value);
        return;
      }
      case 'call_expression': {
        const fn = calleeOf(n);
        const as = args(n);
        for (const a of as) visit(st, a, cfgId);
        if (fn && ASSIGNING_BIND.has(fn)) {
          const a = accessOf(as[0]);
          if (a) {
            const alloc = ALLOCATORS[fn];
            store(st, n, a, { family: typeof alloc.family === 'string' ? alloc.family : alloc.family[0] }, cfgId);
            return;
          }
        }
        as.forEach((a, i) => onArg(st, fn, a, i === 0));
        return;
      }
      case 'update_expression': {
        // `cur++` over an array: each element is another struct.
        const b = strip(n.childForFieldName('argument'));
        if (b?.type === 'identifier' && bases.has(b.text)) for (const k of keys) if (tracked.get(k)!.access.base === b.text) st.set(k, 'D');
        return;
      }
      case 'return_statement': {
        for (const c of n.namedChildren) if (c) visit(st, c, cfgId);
        return;
      }
      default:
        for (const c of n.namedChildren) if (c) visit(st, c, cfgId);
    }
  };
  let steps = 0;
  while (work.length) {
    if (++steps > 50_000) return [];
    const id = work.pop()!;
    const node = cfg.nodes[id];
    const st = new Map(inStates.get(id)!);
    // An exit's ast is its statement, or the whole body for the end of the function: only what it evaluates.
    if (node.kind === 'exit') {
      if (node.value) visit(st, node.value, id);
      else if (node.ast && node.exitKind !== 'end') visit(st, node.ast, id);
    } else if (node.ast) visit(st, node.ast, id);
    const test = node.kind === 'cond' && node.ast ? nullTest(node.ast) : undefined;
    node.succ.forEach((s, i) => {
      const out = test && st.has(test.key) && i === test.nullOn ? new Map(st).set(test.key, 'D') : st;
      const prev = inStates.get(s);
      if (!prev) {
        inStates.set(s, new Map(out));
        work.push(s);
        return;
      }
      let changed = false;
      for (const [k, v] of out) {
        const j = join(prev.get(k) ?? v, v);
        if (j !== prev.get(k)) {
          prev.set(k, j);
          changed = true;
        }
      }
      if (changed) work.push(s);
    });
  }
  // A NULL store after zend_hash_destroy(p->ht): the table's contents are gone, the HashTable struct is not.
  for (const leak of found.values()) {
    if (leak.kind !== 'null') continue;
    for (const call of unit.body.descendantsOfType('call_expression')) {
      const fn = call && calleeOf(call);
      if (call && fn && CONTENT_DESTROYERS.has(fn) && call.endIndex <= leak.node.startIndex && accessOf(args(call)[0])?.key === leak.access) leak.kind = 'destroyed';
    }
  }
  const seen = new Set<string>();
  return [...found.values()].filter((l) => {
    // Evidence from this function alone: a global struct (every call replaces it), or the destroyed table.
    const t = tracked.get(l.access)!;
    if (t.selfOnly && !l.earlier && l.kind !== 'destroyed' && !scope.get(t.access.base)?.global) return false;
    const k = `${l.node.startIndex}:${l.node.endIndex}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A struct released as a whole (`efree(obj)`, `efree(obj->intern)`) in a unit that releases several of its fields first. */
function forgotten(unit: FunctionUnit, ext: ExtensionFields, summaries: SummaryLookup, scope: Map<string, VarInfo>): FieldLeak[] {
  const out: FieldLeak[] = [];
  const wholes: Array<{ call: Node; text: string; path: FieldPath | undefined; base: string }> = [];
  const calls = unit.body.descendantsOfType('call_expression').filter((c): c is Node => !!c);
  for (const call of calls) {
    const fn = calleeOf(call);
    const d = fn ? DEALLOCATORS[fn] : undefined;
    if (!fn || !d || !['free', 'efree', 'pefree', 'efree_size', 'pefree_size'].includes(fn)) continue;
    const arg = strip(args(call)[d.arg]);
    if (!arg) continue;
    if (arg.type === 'identifier') {
      const v = scope.get(arg.text);
      if (v?.type && v.pointer) wholes.push({ call, text: arg.text, path: undefined, base: arg.text });
    } else {
      const a = accessOf(arg);
      if (a) wholes.push({ call, text: a.key, path: pathOf(a, scope), base: a.base });
    }
  }
  if (!wholes.length) return out;
  // Any call through a pointer may release anything (`h->ops->dtor(h)`).
  if (calls.some((c) => !calleeOf(c))) return out;
  const mentioned = new Set<string>();
  for (const f of unit.body.descendantsOfType('field_identifier')) if (f) mentioned.add(f.text);
  const callees = new Set(calls.map((c) => calleeOf(c)!));
  for (const w of wholes) {
    // The struct's type: the base's declared type, or resolved through the members (`obj->intern`).
    let owner: string | undefined;
    if (!w.path) owner = ext.canon(scope.get(w.text)!.type!);
    else owner = ext.typeOf(w.path);
    if (!owner) continue;
    // Several of its fields handed to a release-like call before: it is this struct's free handler.
    const released = new Set<string>();
    for (const call of calls) {
      if (call.startIndex >= w.call.startIndex) continue;
      const fn = calleeOf(call)!;
      if (READERS.has(fn) || fn in COPIES) continue;
      for (const raw of args(call)) {
        let arg = strip(raw);
        if (arg?.type === 'pointer_expression') arg = strip(arg.childForFieldName('argument'));
        const a = accessOf(arg);
        if (a && a.key.startsWith(w.text) && a.chain.length >= 1) {
          const rest = a.key.slice(w.text.length);
          const m = /^(?:->|\.)([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
          if (m) released.add(m[1]);
        }
      }
    }
    if (released.size < 2) continue;
    for (const key of ext.rawStores.keys()) {
      if (!key.startsWith(owner + '::')) continue;
      const stores = ext.storesAt(key, summaries);
      const field = key.slice(owner.length + 2);
      if (mentioned.has(field)) continue;
      const others = stores.filter((s) => s.fn !== unit.name);
      if (!others.length) continue;
      // Released by some other function that does not also store a new block there (a setter replacing it).
      const storing = new Set(stores.map((s) => s.fn));
      const rel = [...(ext.releases.get(key) ?? []), ...(ext.releases.get(`?::${field}`) ?? [])];
      if (rel.some((fn) => fn !== unit.name && !storing.has(fn))) continue;
      if ([...callees].some((fn) => ext.touches(fn, field))) continue;
      out.push({ kind: 'forgotten', node: w.call, access: `${w.text}->${field}`, family: others[0].family, evidence: others[0], unit });
    }
  }
  return out;
}

/** The field leaks of the document's reported units. */
export function fieldLeaks(ctx: RuleContext, units: FunctionUnit[], root: Node, summaries: SummaryLookup): FieldLeak[] {
  const reported = units.filter((u) => reportedAsRequest(u));
  if (!reported.length) return [];
  // Cheap test first: no field store and no free of a struct, nothing to do.
  const ext = mergedFacts(ctx, root, units);
  if (!ext.rawStores.size) return [];
  const globals = fileScope(root);
  const init = initUnits(units);
  const out: FieldLeak[] = [];
  for (const u of reported) {
    const scope = scopeOf(u, globals);
    out.push(...overwrites(u, ext, summaries, scope, init.has(u), path.resolve(ctx.doc.path), () => ctx.checkBudget()));
    out.push(...forgotten(u, ext, summaries, scope));
  }
  return out;
}

export type { FunctionSummary };
