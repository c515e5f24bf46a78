// Pending-entry maps whose entries outlive their end of life: a class keeps
// pending work by key (`$this->requests[$id] = $deferred`), settles an entry
// (`$this->requests[$id]->resolve(…)`, `$d = $this->pending[$id]; $d->reject(…)`),
// and nothing in the class ever removes an entry — so every settled request
// stays in the map for the life of the object. Used by php-settled-entry-kept.
import { type PhpNode } from './parse';
import { thisProp as ownProp } from './pinning';
import { nameOf, type ClassInfo, type FunctionScope, type PhpFileModel } from './scopes';

const SETTLE = new Set(['resolve', 'reject', 'fail', 'complete', 'succeed', 'error']);
const REMOVING_FUNCTIONS = new Set(['array_splice', 'array_shift', 'array_pop', 'array_filter', 'array_slice', 'array_diff_key', 'array_intersect_key']);

export interface SettledEntry {
  scope: FunctionScope;
  /** The settle call (`$deferred->resolve(…)`). */
  call: PhpNode;
  /** `requests` (the property). */
  prop: string;
  /** Where entries are added. */
  added: PhpNode;
  method: string;
}

/** `$this->p` → `p` lower-cased (pinning.ts's reading of a property of `$this`). */
const thisProp = (n: PhpNode | null | undefined): string | undefined => ownProp(n)?.toLowerCase();
/** `$this->p[$k]` → p. */
function keyedProp(n: PhpNode | null | undefined): string | undefined {
  return n?.kind === 'offsetlookup' && n.offset ? thisProp(n.what) : undefined;
}

/** Properties of the class something removes entries from, empties or replaces outside the constructor. */
function shrunkProps(model: PhpFileModel, cls: ClassInfo): Set<string> {
  const out = new Set<string>();
  for (const s of model.scopes) {
    if (s.cls !== cls) continue;
    for (const o of s.owned) {
      const n = o.node;
      if (n.kind === 'unset') {
        for (const v of n.variables ?? []) {
          const p = keyedProp(v) ?? thisProp(v);
          if (p) out.add(p);
        }
      } else if (n.kind === 'assign' && !s.isConstructor) {
        const p = thisProp(n.left);
        if (p) out.add(p); // replaced whole (`$this->p = []`, a filtered copy)
      } else if (n.kind === 'call' && n.what?.kind === 'name' && REMOVING_FUNCTIONS.has((nameOf(n.what) ?? '').toLowerCase().replace(/^\\/, ''))) {
        const p = thisProp((n.arguments ?? [])[0]);
        if (p) out.add(p);
      } else if (n.kind === 'call' && (n.what?.kind === 'propertylookup' || n.what?.kind === 'nullsafepropertylookup')) {
        // $this->p->offsetUnset($k), ->detach(), ->remove(), ->clear()
        const p = thisProp(n.what.what);
        const m = (nameOf(n.what.offset) ?? '').toLowerCase();
        if (p && ['offsetunset', 'detach', 'remove', 'removeall', 'clear', 'delete'].includes(m)) out.add(p);
      }
    }
  }
  return out;
}

export function settledEntriesKept(model: PhpFileModel): SettledEntry[] {
  const out: SettledEntry[] = [];
  for (const cls of model.classes) {
    const scopes = model.scopes.filter((s) => s.cls === cls);
    // Keyed adds: `$this->p[$k] = <not null>`.
    const added = new Map<string, PhpNode>();
    for (const s of scopes) {
      for (const o of s.owned) {
        const n = o.node;
        if (n.kind !== 'assign' || n.operator !== '=' || n.right?.kind === 'nullkeyword') continue;
        const p = keyedProp(n.left);
        if (p && !added.has(p)) added.set(p, n);
      }
    }
    if (added.size === 0) continue;
    const shrunk = shrunkProps(model, cls);
    for (const s of scopes) {
      // Locals holding an entry: `$d = $this->p[$k]`.
      const holders = new Map<string, string>();
      for (const o of s.owned) {
        const n = o.node;
        if (n.kind === 'assign' && n.left?.kind === 'variable' && typeof n.left.name === 'string') {
          const p = keyedProp(n.right);
          if (p) holders.set(n.left.name, p);
        }
      }
      for (const o of s.owned) {
        const n = o.node;
        if (n.kind !== 'call' || (n.what?.kind !== 'propertylookup' && n.what?.kind !== 'nullsafepropertylookup')) continue;
        const m = (nameOf(n.what.offset) ?? '').toLowerCase();
        if (!SETTLE.has(m)) continue;
        const recv = n.what.what;
        const p = keyedProp(recv) ?? (recv?.kind === 'variable' && typeof recv.name === 'string' ? holders.get(recv.name) : undefined);
        if (!p || !added.has(p) || shrunk.has(p)) continue;
        if (out.some((e) => e.scope === s && e.prop === p)) continue;
        out.push({ scope: s, call: n, prop: p, added: added.get(p)!, method: nameOf(n.what.offset) ?? m });
      }
    }
  }
  return out;
}


