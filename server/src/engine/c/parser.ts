// Loads tree-sitter (WebAssembly) and the C grammar once per process.
// The bundles in dist/ carry both .wasm files beside them; compiled tests
// (out/) find them in node_modules.
import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser, type Tree } from 'web-tree-sitter';

let parser: Parser | undefined;
let initializing: Promise<void> | undefined;

function findWasm(file: string, dirs: string[]): string {
  for (const dir of dirs) {
    const candidate = path.join(dir, file);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot find ${file} (looked in ${dirs.join(', ')})`);
}

function searchDirs(wasmDir?: string): string[] {
  const dirs: string[] = [];
  if (wasmDir) dirs.push(wasmDir);
  dirs.push(__dirname);
  // From out/server/src/engine/c or server/src/engine/c up to the repository root.
  for (let dir = __dirname, i = 0; i < 8; i++, dir = path.dirname(dir)) {
    dirs.push(path.join(dir, 'node_modules', 'web-tree-sitter'));
    dirs.push(path.join(dir, 'node_modules', 'tree-sitter-c'));
    dirs.push(path.join(dir, 'dist'));
  }
  return dirs;
}

/** Loads the parser; safe to call many times. */
export function initCParser(wasmDir?: string): Promise<void> {
  if (parser) return Promise.resolve();
  if (!initializing) {
    const dirs = searchDirs(wasmDir);
    initializing = (async () => {
      const runtime = findWasm('web-tree-sitter.wasm', dirs);
      await Parser.init({ locateFile: () => runtime });
      const language = await Language.load(findWasm('tree-sitter-c.wasm', dirs));
      const p = new Parser();
      p.setLanguage(language);
      parser = p;
    })();
    initializing.catch(() => {
      initializing = undefined;
    });
  }
  return initializing;
}

export function isCParserReady(): boolean {
  return parser !== undefined;
}

/**
 * Parses C source. The caller must call tree.delete() when done (the tree
 * lives in WebAssembly memory); the engine does this at the end of analysis.
 */
export function parseC(text: string): Tree {
  if (!parser) throw new Error('C parser not initialised: await initCParser() first');
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
