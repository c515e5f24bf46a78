// The import structure ARCHITECTURE.md states, held by the compiler's own reading of each
// file's imports (ts.preProcessFile): rule modules are leaves that only the registry
// imports; what several rules share lives in library modules (config/, php/, c/); the
// engine imports nothing outside itself.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { repoRoot } from '../support/paths';

const serverSrc = path.join(repoRoot, 'server', 'src');
const engineDir = path.join(serverSrc, 'engine');
const rulesDir = path.join(engineDir, 'rules');

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) sources(full, out);
    else if (e.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** The files a source imports (relative imports only, resolved to .ts paths). */
export function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const out: string[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), ref.fileName);
    const hit = [base + '.ts', path.join(base, 'index.ts')].find((p) => fs.existsSync(p));
    if (hit) out.push(hit);
  }
  return out;
}

const inside = (dir: string, f: string) => f.startsWith(dir + path.sep);
const rel = (f: string) => path.relative(repoRoot, f);

describe('architecture: the import structure', () => {
  const files = sources(serverSrc);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('reads imports the way the compiler does (a known arrow is seen)', () => {
    // The registry imports every rule module: if this reading broke, the checks below would pass vacuously.
    const reg = graph.get(path.join(engineDir, 'registry.ts'))!;
    assert.ok(reg.filter((f) => inside(rulesDir, f)).length >= 20, `registry.ts imports: ${reg.map(rel).join(', ')}`);
  });

  it('a rule module imports no other rule module (shared code lives in config/, php/ or c/)', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      if (!inside(rulesDir, f)) continue;
      for (const d of deps) if (inside(rulesDir, d)) bad.push(`${rel(f)} -> ${rel(d)}`);
    }
    assert.deepEqual(bad, []);
  });

  it('only the registry imports rule modules', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      if (inside(rulesDir, f) || f === path.join(engineDir, 'registry.ts')) continue;
      for (const d of deps) if (inside(rulesDir, d)) bad.push(`${rel(f)} -> ${rel(d)}`);
    }
    assert.deepEqual(bad, []);
  });

  it('the engine imports nothing outside server/src/engine/', () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      if (!inside(engineDir, f)) continue;
      for (const d of deps) if (!inside(engineDir, d)) bad.push(`${rel(f)} -> ${rel(d)}`);
    }
    assert.deepEqual(bad, []);
  });
});
