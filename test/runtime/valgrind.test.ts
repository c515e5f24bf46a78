// php-leak valgrind on real PHP: the seed extension (built with -O0 -g in a temp folder) under
// valgrind's memcheck; the two leaks map to their exact lines of test/fixtures/seed-ext/memory.c
// (found by path suffix, the build being elsewhere), the clean function to nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTempDir } from '../support/fixtures';
import { registeredRules } from '../../server/src/engine';
import { parseValgrind } from '../../server/src/runtime/valgrind';
import { buildSeed, describeCli, ensureRuntimeTools, runCliAsync, SEED_C, SEED_DIR, SEED_LINES } from './runtime-php';

interface JsonReport {
  files: Array<{ path: string; findings: Array<{ ruleId: string; severity: string; message: string; range: { start: { line: number } }; related: Array<{ path?: string; message: string }> }> }>;
}

describe('runtime: php-leak valgrind on the seed extension', function () {
  this.timeout(300_000);
  let tmp: string;
  let so: string;

  before(function () {
    this.timeout(1_200_000);
    ensureRuntimeTools((s) => console.log(s));
    tmp = makeTempDir('php-leak-valgrind-');
    so = buildSeed(path.join(tmp, 'build'));
    fs.writeFileSync(path.join(tmp, 'all.php'), '<?php\nleak_malloc();\nleak_emalloc();\nno_leak();\necho "done\\n";\n');
    fs.writeFileSync(path.join(tmp, 'clean.php'), '<?php\nno_leak();\nno_leak();\necho "done\\n";\n');
  });
  after(() => removeTempDir(tmp));

  it('maps malloc without free and emalloc without efree to their lines, and nothing to the clean function', async () => {
    const r = await runCliAsync(['valgrind', '--root', SEED_DIR, '--format', 'json', '--log', 'memcheck.log', '--', 'php', '-n', '-d', `extension=${so}`, 'all.php'], tmp, 240_000);
    assert.equal(r.status, 1, describeCli(r));
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.files.length, 1, describeCli(r));
    assert.equal(path.resolve(tmp, report.files[0].path), SEED_C);
    const byLine = new Map(report.files[0].findings.map((f) => [f.range.start.line + 1, f]));
    assert.deepEqual([...byLine.keys()].sort((a, b) => a - b), [SEED_LINES.malloc, SEED_LINES.emalloc], describeCli(r));
    const malloc = byLine.get(SEED_LINES.malloc)!;
    assert.equal(malloc.ruleId, 'runtime-valgrind-leak');
    // valgrind calls the never-freed block definitely lost, or possibly lost when an interior
    // pointer happens to be left in a register or on the stack (seen in CI runs from another
    // folder). Definitely lost is an error, possibly lost a warning.
    const kind = /2,097,152 bytes (definitely|possibly) lost in 1 block, allocated here in zif_leak_malloc/.exec(malloc.message)?.[1];
    assert.ok(kind, malloc.message);
    assert.equal(malloc.severity, kind === 'definitely' ? 'error' : 'warning');
    assert.ok(malloc.related.some((x) => /zif_leak_malloc/.test(x.message)), 'the stack as related information');
    // Under USE_ZEND_ALLOC=0 emalloc is malloc; valgrind calls the block definitely or (an
    // interior pointer left in a register) possibly lost.
    assert.match(byLine.get(SEED_LINES.emalloc)!.message, /2,097,152 bytes (definitely|possibly) lost .* zif_leak_emalloc/);
    // Both 2 MiB blocks are in valgrind's summary as lost, whichever of the two kinds.
    const log = fs.readFileSync(path.join(tmp, 'memcheck.log'), 'utf8');
    const lost = (k: string) => Number((new RegExp(`${k} lost: ([\\d,]+) bytes`).exec(log)?.[1] ?? '0').replace(/,/g, ''));
    assert.ok(lost('definitely') + lost('possibly') >= 2 * 2_097_152, log.split('\n').filter((l) => /lost:/.test(l)).join('\n'));
    assert.match(r.stdout + r.stderr, /2,097,152 bytes (definitely|possibly)/);
  });

  it('a clean run reports nothing (exit 0), SARIF lists every registered rule, the runtime ones among them', async () => {
    const r = await runCliAsync(['valgrind', '--root', SEED_DIR, '--format', 'sarif', '--', 'php', '-n', '-d', `extension=${so}`, 'clean.php'], tmp, 240_000);
    assert.equal(r.status, 0, describeCli(r));
    const sarif = JSON.parse(r.stdout);
    assert.deepEqual(sarif.runs[0].results, []);
    const ids = sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id);
    // tool.driver.rules is the one registry (static, runtime and budget rules), as for scan.
    assert.deepEqual(ids, registeredRules.map((x) => x.meta.id));
    for (const rule of sarif.runs[0].tool.driver.rules.filter((x: { id: string }) => x.id.startsWith('runtime-'))) assert.match(rule.helpUri, /docs\/rules\/runtime-.*\.md$/);
    assert.ok(ids.includes('runtime-valgrind-leak') && ids.includes('runtime-debug-leak'), ids.join(' '));
  });

  it('parses loss records with direct and indirect parts', () => {
    const text = [
      '==1== 4,096 (64 direct, 4,032 indirect) bytes in 1 blocks are definitely lost in loss record 3 of 4',
      '==1==    at 0x4840: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)',
      '==1==    by 0x79B: make_node (/src/ext/tree.c:12)',
      '==1==    by 0x79C: zif_tree (/src/ext/tree.c:40)',
      '==1== ',
      '==1== 4,032 bytes in 63 blocks are indirectly lost in loss record 2 of 4',
      '==1==    at 0x4840: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)',
      '==1==    by 0x79D: add_child (/src/ext/tree.c:20)',
      '==1==    definitely lost: 64 bytes in 1 blocks',
      '==1==    indirectly lost: 4,032 bytes in 63 blocks',
    ].join('\n');
    const { records, summary } = parseValgrind(text);
    assert.equal(records.length, 2);
    assert.equal(records[0].direct, 64);
    assert.equal(records[0].indirect, 4032);
    assert.deepEqual(records[0].frames.map((f) => f.line ?? f.object), ['/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so', 12, 40]);
    assert.equal(records[1].kind, 'indirectly');
    assert.deepEqual(summary, { definitely: 64, indirectly: 4032, possibly: 0 });
  });
});
