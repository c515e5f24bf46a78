import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

/**
 * The folder holding package.json and docs/: dist/.. for the bundles,
 * the repository root for compiled tests.
 */
export function installRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg && pkg.name === 'php-leak-diagnostics') return (cached = dir);
    } catch {
      /* keep walking up */
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return (cached = path.dirname(__dirname));
}

export function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(installRoot(), 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The rule's docs page text, or undefined when it is not shipped. */
export function ruleDocsText(id: string): string | undefined {
  try {
    return fs.readFileSync(path.join(installRoot(), 'docs', 'rules', `${id}.md`), 'utf8');
  } catch {
    return undefined;
  }
}
