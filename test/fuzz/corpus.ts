// The real files the fuzzer mutates: the repository's fixtures and examples
// (always; the short run in `npm test` uses only these so it is the same on every
// machine), plus, for long campaigns, the Debian corpora cached by the accuracy
// run (~/.cache/php-leak-diagnostics/corpora: php8.2 and PECL sources) and the
// PHP libraries under /usr/share/php when installed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { languageOf, type DocLanguage } from '../../server/src/engine';
import { repoRoot } from '../support/paths';

export interface SeedFile {
  path: string;
  language: DocLanguage;
  size: number;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', 'fuzz-regressions']);
const MAX_SEED_BYTES = 1024 * 1024;

function walk(root: string, out: SeedFile[], limit: number): void {
  const stack = [root];
  while (stack.length && out.length < limit) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) stack.push(full);
        continue;
      }
      if (!e.isFile()) continue;
      const language = languageOf(full);
      if (language === 'other') continue;
      let size: number;
      try {
        size = fs.statSync(full).size;
      } catch {
        continue;
      }
      if (size === 0 || size > MAX_SEED_BYTES) continue;
      out.push({ path: full, language, size });
    }
  }
}

export const corporaDir = path.join(os.homedir(), '.cache', 'php-leak-diagnostics', 'corpora', 'src');

/** Seed files in a fixed order. `scope: 'repo'` = fixtures and examples only. */
export function collectSeeds(scope: 'repo' | 'all'): { seeds: SeedFile[]; sources: Record<string, number> } {
  const sources: Record<string, number> = {};
  const seeds: SeedFile[] = [];
  const add = (name: string, dir: string, limit = 50_000) => {
    const before = seeds.length;
    if (fs.existsSync(dir)) walk(dir, seeds, before + limit);
    sources[name] = seeds.length - before;
  };
  add('test/fixtures', path.join(repoRoot, 'test', 'fixtures'));
  add('examples', path.join(repoRoot, 'examples'));
  if (scope === 'all') {
    add('corpora (php8.2, PECL)', corporaDir);
    add('/usr/share/php', '/usr/share/php');
  }
  return { seeds, sources };
}

/** Reads seeds, keeping the last few hundred in memory. */
export class SeedReader {
  private readonly cache = new Map<string, string>();
  read(seed: SeedFile): string {
    let t = this.cache.get(seed.path);
    if (t === undefined) {
      t = fs.readFileSync(seed.path, 'utf8');
      if (this.cache.size > 300) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(seed.path, t);
    }
    return t;
  }
}
