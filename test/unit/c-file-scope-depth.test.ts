// File-scope walks of the C engine are iterative: 10,000 nested `#if`s or `extern "C" {`
// blocks at file scope (the per-function depth guard does not cover file scope) must not
// overflow the call stack; every C rule still runs and the leak inside is still found.
import * as assert from 'node:assert/strict';
import { analyze, initEngine } from '../../server/src/engine';
import { fileGlobals, findUnits } from '../../server/src/engine/c/units';
import { parseC } from '../../server/src/engine/c/parser';

const N = 10_000;
const LEAK = 'PHP_FUNCTION(leaky) { char *p = malloc(4); if (!p) return; }';

function nested(open: (i: number) => string, close: (i: number) => string): { text: string; leakLine: number } {
  const lines = ['#include "php.h"'];
  for (let i = 0; i < N; i++) lines.push(...open(i).split('\n'));
  const leakLine = lines.length;
  lines.push(LEAK);
  for (let i = N - 1; i >= 0; i--) lines.push(...close(i).split('\n'));
  return { text: lines.join('\n') + '\n', leakLine };
}

const CASES: Record<string, ReturnType<typeof nested>> = {
  '10,000 nested #if': nested((i) => `#if A${i}`, () => '#endif'),
  '10,000 nested extern "C" {': nested(() => 'extern "C" {', () => '}'),
  '10,000 nested #ifdef with globals and #else branches': nested((i) => `#ifdef B${i}\nstatic char *g${i};`, (i) => `#else\nint h${i};\n#endif`),
  '10,000 nested extern "C" { #if': nested(() => 'extern "C" {\n#if X', () => '#endif\n}'),
};

describe('C engine: file-scope nesting 10,000 deep', function () {
  this.timeout(60_000);
  before(() => initEngine());

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: no rule throws, the leak inside is found`, () => {
      const r = analyze({ path: '/tmp/deep.c', text: c.text, language: 'c' }, { profile: 'fpm' });
      assert.deepEqual(
        r.failures.map((f) => `${f.ruleId}: ${f.error.split('\n')[0]}`),
        [],
      );
      const leak = r.findings.filter((f) => f.ruleId === 'c-process-heap-leak');
      assert.deepEqual(
        leak.map((f) => f.range.start.line),
        [c.leakLine],
      );
    });
  }

  it('the walks keep document order (units, file globals)', () => {
    const text = ['static char *a;', '#if X', 'static char *b;', 'PHP_FUNCTION(one) {}', '#endif', 'extern "C" {', 'PHP_FUNCTION(two) {}', '}', 'PHP_FUNCTION(three) {}'].join('\n');
    const tree = parseC(text);
    try {
      assert.deepEqual(
        findUnits(tree.rootNode).map((u) => u.name),
        ['one', 'two', 'three'],
      );
      assert.deepEqual([...fileGlobals(tree.rootNode)].sort(), ['a', 'b']);
    } finally {
      tree.delete();
    }
  });
});
