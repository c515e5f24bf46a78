import * as assert from 'assert';
import { analyze, initEngine } from '../../server/src/engine';
import { suppressionOn } from '../../server/src/engine/suppress';
import { applyEdits } from './rule-tester';

const leaky = (comment: string) => `PHP_FUNCTION(f)\n{\n${comment}\tvoid *p = malloc(10);\n\tRETURN_TRUE;\n}\n`;
const run = (text: string, language: 'c' | 'ini' = 'c') =>
  analyze({ path: language === 'c' ? '/x/a.c' : '/x/php.ini', text, language }, { profile: 'fpm' }).findings;

describe('suppression comments', () => {
  before(() => initEngine());

  it('a next-line comment naming the rule silences it', () => {
    assert.strictEqual(run(leaky('')).length, 1);
    assert.strictEqual(run(leaky('\t// php-leak-ignore-next-line c-process-heap-leak\n')).length, 0);
    assert.strictEqual(run(leaky('\t/* php-leak-ignore-next-line c-process-heap-leak */\n')).length, 0);
  });

  it('a comment naming another rule does not', () => {
    assert.strictEqual(run(leaky('\t// php-leak-ignore-next-line c-double-free\n')).length, 1);
  });

  it('a comment without ids silences every rule; the marker outside a comment does nothing', () => {
    assert.strictEqual(run(leaky('\t// php-leak-ignore-next-line\n')).length, 0);
    assert.strictEqual(run(leaky('\tint php_leak_ignore_next_line;\n')).length, 1);
    assert.strictEqual(suppressionOn('x = "php-leak-ignore-next-line";', 'php-leak-ignore-next-line', 'c'), undefined);
    assert.strictEqual(suppressionOn('// php-leak-ignore-next-lines', 'php-leak-ignore-next-line', 'c'), undefined);
  });

  it('the same-line form works in ini files', () => {
    const ini = 'memory_limit = -1 ; php-leak-ignore-line ini-memory-limit-unbounded\n';
    assert.strictEqual(run(ini, 'ini').length, 0);
    assert.strictEqual(run('memory_limit = -1\n', 'ini').length, 1);
  });

  it('every finding offers the suppression as its last fix, and applying it silences the finding', () => {
    const text = leaky('');
    const [f] = run(text);
    const fix = f.fixes![f.fixes!.length - 1];
    assert.match(fix.title, /^Ignore c-process-heap-leak on this line/);
    const fixed = applyEdits(text, fix.edits);
    assert.strictEqual(fixed, leaky('\t// php-leak-ignore-next-line c-process-heap-leak\n'));
    assert.strictEqual(run(fixed).length, 0);
    // The rule's own fixes come first.
    assert.notStrictEqual(f.fixes![0].title, fix.title);
  });
});
