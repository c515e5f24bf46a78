import * as assert from 'assert';
import { parsePhp, spanOf, type PhpNode } from '../../server/src/engine/php/parse';

function find(node: PhpNode, kind: string): PhpNode | undefined {
  if (node.kind === kind) return node;
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const v = node[key];
    for (const c of Array.isArray(v) ? v : [v]) {
      if (c && typeof c === 'object' && typeof c.kind === 'string') {
        const hit = find(c, kind);
        if (hit) return hit;
      }
    }
  }
  return undefined;
}

describe('php parse (php-parser)', () => {
  it('offsets are UTF-16 code units, like JavaScript string indices', () => {
    // Non-ASCII inline HTML, a comment with an astral character, and a string literal before the code.
    const code = 'héllo <b>ü</b>\n<?php\n// Größe 😀 日本\n$s = "😀é"; $target = 1;\n';
    const ast = parsePhp(code);
    assert.ok(ast.program);
    const assigns: PhpNode[] = [];
    const walk = (n: PhpNode) => {
      if (n.kind === 'assign') assigns.push(n);
      for (const k of Object.keys(n)) {
        if (k === 'loc') continue;
        const v = n[k];
        for (const c of Array.isArray(v) ? v : [v]) if (c && typeof c === 'object' && typeof c.kind === 'string') walk(c);
      }
    };
    walk(ast.program!);
    const target = assigns.find((a) => a.left?.name === 'target')!;
    assert.strictEqual(target.left.loc.start.offset, code.indexOf('$target'));
    assert.strictEqual(target.left.loc.end.offset, code.indexOf('$target') + '$target'.length);
  });

  it('spanOf covers an append target, whose own loc covers only `[]`', () => {
    const code = '<?php\nself::$seen[] = 1;\n';
    const assign = find(parsePhp(code).program!, 'assign')!;
    const s = spanOf(assign.left)!;
    assert.strictEqual(code.slice(s.start, s.end), 'self::$seen[]');
  });

  it('never throws: broken code gives a partial tree plus errors', () => {
    for (const code of ['<?php class {', '<?php function f( { $x = [', '<?php ?><?= ?', '', '<?php "unterminated', '<?php $a = <<<EOT\nno end']) {
      const ast = parsePhp(code);
      assert.ok(ast.program === null || ast.program.kind === 'program');
    }
    assert.ok(parsePhp('<?php class {').errors.length > 0);
  });
});

describe('php parse: inputs php-parser would loop on', () => {
  it('a namespace declaration inside braces (fuzzer find) parses, offsets unchanged', () => {
    for (const text of ['<?php { namespace a;', '<?php\r\r\n    {\r\r\nnamespace app\\controller;\r\r\n', '<?php function f() { namespace a; }']) {
      const ast = parsePhp(text);
      assert.ok(ast.program, text);
    }
    const ok = '<?php namespace A; $x = namespace\\f(); class C { function g() { return "{$y}"; } }';
    assert.strictEqual(parsePhp(ok).program?.children?.[0]?.name, 'A');
  });
});
