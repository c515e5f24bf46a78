// Hover on a long-lived container's declaration (a static property, a
// singleton's property, `static $x`, `global $x`, a variable before a worker
// loop): where the file grows it, and why each growth is or is not bounded.
import { parsePhp, spanOf, type PhpNode } from './parse';
import { accessOf, buildFileModel, nameOf, type PhpFileModel } from './scopes';
import { fileGrowths } from './growth';
import { growthPhrase, kindLabel } from './growth-report';

interface Declared {
  key: string;
  display: string;
  kind: string;
}

function contains(n: PhpNode | undefined, offset: number): boolean {
  const s = n ? spanOf(n) : null;
  return !!s && offset >= s.start && offset <= s.end;
}

function declaredAt(model: PhpFileModel, offset: number): Declared | undefined {
  for (const cls of model.classes) {
    for (const [name, p] of cls.staticProps) {
      if (contains(p, offset)) return { key: `static:${cls.name.toLowerCase()}::${name}`, display: `${cls.name}::$${name}`, kind: 'static property' };
    }
    if (!cls.longLived) continue;
    for (const [name, p] of cls.props) {
      if (contains(p, offset)) return { key: `prop:${cls.fq}::${name.toLowerCase()}`, display: `${cls.name}->${name}`, kind: `property of a long-lived object (${cls.longLived})` };
    }
  }
  for (const scope of model.scopes) {
    for (const [name, v] of scope.staticLocals) if (contains(v, offset)) return { key: `local:${scope.id}:${name}`, display: `$${name}`, kind: `static variable of \`${scope.displayName}\`` };
    for (const [name, v] of scope.globals) if (contains(v, offset)) return { key: `global:${name}`, display: `$${name}`, kind: 'global variable' };
  }
  for (const loop of model.loops) {
    for (const [name, decl] of loop.before) {
      if (decl !== loop.scope.node && contains(decl.left, offset)) {
        return { key: `loop:${loop.scope.id}:${loop.node.loc?.start.offset ?? 0}:${name}`, display: `$${name}`, kind: `variable kept across the ${loop.label}` };
      }
    }
  }
  return undefined;
}

/** Markdown for the container declared at `offset`, or undefined when none is. */
export function describePhpContainerAt(text: string, path: string, offset: number): string | undefined {
  const ast = parsePhp(text, path);
  if (!ast.program) return undefined;
  const model = buildFileModel(ast.program, { path });
  const d = declaredAt(model, offset);
  if (!d) return undefined;
  const growths = fileGrowths(model, text).filter((g) => g.growth.access.container.key === d.key);
  // Writes that do not grow it (fixed keys, overwrites), for completeness.
  const others: string[] = [];
  for (const scope of model.scopes) {
    for (const o of scope.owned) {
      const n = o.node;
      if (n.kind !== 'assign' && n.kind !== 'post' && n.kind !== 'pre') continue;
      const target = n.kind === 'assign' ? n.left : n.what;
      const a = accessOf(target, scope, model);
      if (!a || a.container.key !== d.key) continue;
      if (growths.some((g) => g.growth.write === n)) continue;
      const line = n.loc?.start.line ?? 0;
      const what = a.keys.length === 0 ? (n.kind === 'assign' && n.operator === '=' ? 'replaced as a whole' : `updated (\`${n.operator ?? n.type}\`)`) : 'written at a fixed or bounded key';
      others.push(`- line ${line}, \`${scope.displayName}\`: ${what} — does not grow it`);
    }
  }
  const lines = [`**Long-lived container:** \`${d.display}\` — a ${d.kind}. It survives from one request to the next in a long-running worker.`, ''];
  if (!growths.length) lines.push('**Growth in this file:** none — no write adds entries without a bound.');
  else {
    lines.push('**Where it grows:**');
    for (const g of growths) {
      const line = g.growth.write.loc?.start.line ?? 0;
      lines.push(`- line ${line}, \`${g.scope.displayName}\`: ${growthPhrase(g.growth)} — ${g.bound ? `**bounded**: ${g.bound}` : '**unbounded**: nothing limits it (no eviction, size check or reset in sight)'}`);
    }
  }
  if (others.length) lines.push('', '**Other writes:**', ...others.slice(0, 12));
  void kindLabel;
  void nameOf;
  return lines.join('\n');
}
