// Opening a workspace never executes its code: the server and the engine read
// files, they do not run them. Only server/src/runtime/ (commands the user runs
// on purpose) may start processes, never through a shell; nothing evaluates code.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, detectProfile, DiskWorkspace, initEngine, readText, walkFiles } from '../../server/src/engine';
import { repoRoot } from '../support/paths';

const serverSrc = path.join(repoRoot, 'server', 'src');
const runtimeDir = path.join(serverSrc, 'runtime') + path.sep;

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) sources(full, out);
    else if (e.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** The text without comments (so a comment mentioning child_process does not count). */
function code(file: string): string {
  return fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

describe('safety: the workspace is read, never run', () => {
  const files = sources(serverSrc);
  const rel = (f: string) => path.relative(repoRoot, f);

  it('only server/src/runtime/ imports child_process (or cluster)', () => {
    assert.ok(files.length > 20, 'server sources found');
    const offenders = files
      .filter((f) => !f.startsWith(runtimeDir))
      .filter((f) => /(['"])(node:)?(child_process|cluster)\1/.test(code(f)))
      .map(rel);
    assert.deepEqual(offenders, []);
  });

  it('no shell anywhere: no `shell: true`, no exec/execSync from child_process', () => {
    const offenders: string[] = [];
    for (const f of files) {
      const c = code(f);
      if (/shell\s*:\s*(true|['"`])/.test(c)) offenders.push(`${rel(f)}: shell option`);
      const imports = [...c.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/g)].flatMap((m) => m[1].split(',').map((s) => s.trim().split(/\s+as\s+/)[0]));
      for (const name of imports) if (name === 'exec' || name === 'execSync') offenders.push(`${rel(f)}: imports ${name}`);
      if (/child_process['"]\s*\)\s*\.\s*exec(Sync)?\b/.test(c) || /\bchild_process\s*\.\s*exec(Sync)?\s*\(/.test(c) || /\bcp\s*\.\s*exec(Sync)?\s*\(/.test(c)) offenders.push(`${rel(f)}: calls exec`);
    }
    assert.deepEqual(offenders, []);
  });

  it('nothing evaluates code: no eval, new Function or the vm module', () => {
    // A method named eval (the C evaluator's `private eval(n: Node, …)`, `this.eval(…)`) is not the global.
    const globalEval = (c: string) => c.split('\n').some((l) => /(^|[^.\w])eval\s*\(/.test(l) && !/(private|public|protected)\s+eval\s*\(/.test(l));
    const offenders = files.filter((f) => globalEval(code(f)) || /new\s+Function\s*\(|(['"])(node:)?vm\1/.test(code(f))).map(rel);
    assert.deepEqual(offenders, []);
  });

  it('scanning and analysing a hostile workspace runs none of it', async () => {
    await initEngine();
    const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-hostile-')));
    const sentinel = path.join(ws, 'PWNED');
    const touch = `touch ${sentinel}`;
    try {
      const files: Record<string, string> = {
        'composer.json': JSON.stringify({ name: 'x/y', scripts: { 'post-install-cmd': touch, 'pre-autoload-dump': touch }, require: { 'workerman/webman-framework': '*' } }),
        'index.php': `<?php system('${touch}'); \`${touch}\`; shell_exec('${touch}'); eval('system("${touch}");');`,
        'config.m4': `PHP_ARG_ENABLE(x, whether, [ $(${touch}) ])\n`,
        'ext/x.c': `#include "php.h"\n/* $(${touch}) */\nPHP_FUNCTION(x) { system("${touch}"); }\n`,
        'php.ini': `auto_prepend_file = "${path.join(ws, 'index.php')}"\nmemory_limit = \`${touch}\`\n`,
        'php-fpm.d/www.conf': `[www]\npm.max_requests = 0\nphp_admin_value[auto_prepend_file] = ${path.join(ws, 'index.php')}\n`,
        '.rr.yaml': `server:\n  command: "${touch}"\n`,
        'Dockerfile': `FROM php:8.2\nRUN ${touch}\n`,
        'x.service': `[Service]\nExecStart=${touch}\n`,
        'Makefile': `all:\n\t${touch}\n`,
        '.git/hooks/post-checkout': `#!/bin/sh\n${touch}\n`,
      };
      for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
        fs.writeFileSync(path.join(ws, name), content, { mode: 0o755 });
      }
      const filter = { include: ['**/*'], exclude: [], maxFileSize: 1 << 20 };
      const wsView = new DiskWorkspace({ roots: [ws], ...filter });
      let analysed = 0;
      for await (const e of walkFiles(ws, filter)) {
        const profile = detectProfile('auto', path.dirname(e.path), ws);
        analyze({ path: e.path, text: await readText(e.path), language: e.language }, { profile: profile.profile, workspace: wsView });
        analysed++;
      }
      assert.ok(analysed >= 5, `${analysed} files analysed`);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(fs.existsSync(sentinel), false, 'something in the workspace was executed');
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
