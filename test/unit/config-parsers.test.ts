// The small configuration readers that keep offsets: INI dialects (systemd,
// supervisor's configparser), shell words, Dockerfile instructions and JSON.
import * as assert from 'assert';
import { parseIni } from '../../server/src/engine/config/ini';
import { parseJson, jsonMember } from '../../server/src/engine/config/json';
import { execFormWords, parseDockerfile } from '../../server/src/engine/config/dockerfile';
import { joinMapped, simpleCommands, splitShellWords, type ShellToken, type ShellWord } from '../../server/src/engine/config/shellwords';

/** The document text each character of a word comes from (the offsets are right when this equals the value). */
const fromSource = (text: string, w: ShellWord) => w.offsets.map((o) => text[o]).join('');
const values = (tokens: ShellToken[]) => tokens.map((t) => (t.kind === 'word' ? t.value : `<${t.value}>`));

describe('parseIni dialects', () => {
  it('default (PHP): unchanged, no continuation and `;` comments', () => {
    const d = parseIni('a = x \\\n  b = "y;z" ; c\n');
    assert.deepStrictEqual(
      d.entries.map((e) => [e.key, e.value, e.parts]),
      [
        ['a', 'x \\', undefined],
        ['b', 'y;z', undefined],
      ],
    );
  });
  it('systemd: `\\` continuation lines (read as a space), comment lines inside skipped, no inline comments, quotes kept', () => {
    const text = '[Service]\nExecStart=/bin/php "a b" ; x \\\n# skipped\n; skipped too\n    --y=1\\\n--z\nUser=w\n';
    const d = parseIni(text, { continuation: 'backslash', inlineComments: 'none' });
    const e = d.entries[0];
    assert.strictEqual(e.section, 'Service');
    assert.strictEqual(e.value, '/bin/php "a b" ; x --y=1 --z');
    assert.deepStrictEqual(
      e.parts!.map((p) => text.slice(p.start, p.end)),
      ['/bin/php "a b" ; x', '--y=1', '--z'],
    );
    assert.deepStrictEqual([e.line, e.endLine], [1, 5]);
    assert.strictEqual(text.slice(e.valueStart, e.valueEnd), '/bin/php "a b" ; x \\\n# skipped\n; skipped too\n    --y=1\\\n--z');
    assert.deepStrictEqual([d.entries[1].key, d.entries[1].line], ['User', 6]);
  });
  it('supervisor (configparser): indented continuation lines, `;`/`#` inline comments after whitespace only', () => {
    const text = '[program:x]\ncommand=php a;b ; comment\n  --c=1 # note\n\n  ; comment line\n  --d\nuser=w\n  [not a header]\n';
    const d = parseIni(text, { continuation: 'indent', inlineComments: 'whitespace' });
    assert.deepStrictEqual(
      d.entries.map((e) => [e.key, e.value]),
      [
        ['command', 'php a;b\n--c=1\n--d'],
        ['user', 'w\n[not a header]'],
      ],
    );
    assert.deepStrictEqual(d.sections.map((s) => s.name), ['program:x']);
  });
});

describe('splitShellWords', () => {
  it('quotes, escapes and offsets of every character', () => {
    const text = `php 'a b'"c\\"d"e\\ f --x="0" \\\n  g`;
    const tokens = splitShellWords(text);
    assert.deepStrictEqual(values(tokens), ['php', 'a bc"de f', '--x=0', 'g']);
    for (const t of tokens) if (t.kind === 'word') assert.strictEqual(fromSource(text, t), t.value);
    const x = tokens[2] as ShellWord;
    assert.strictEqual(text.slice(x.start, x.end), '--x="0"');
  });
  it('control operators, redirections with IO numbers, comments', () => {
    const tokens = splitShellWords('a 2>&1 >out && b|c; d # e f\ng <<-EOF');
    assert.deepStrictEqual(values(tokens), ['a', '<2>&>', '1', '<>>', 'out', '<&&>', 'b', '<|>', 'c', '<;>', 'd', '<\n>', 'g', '<<<->', 'EOF']);
    assert.deepStrictEqual(
      simpleCommands(tokens).map((c) => c.map((w) => w.value)),
      [['a'], ['b'], ['c'], ['d'], ['g']],
    );
  });
  it('an unclosed quote runs to the end', () => {
    assert.deepStrictEqual(values(splitShellWords(`a "b c`)), ['a', 'b c']);
  });
});

describe('parseDockerfile', () => {
  it('instructions, continuations (comment and blank lines inside skipped), exec form', () => {
    const text = '# syntax=docker/dockerfile:1\nFROM php\n# c\nRUN a \\\n# skipped\n\n  b\ncmd ["php", "x\\"y"]\n';
    const df = parseDockerfile(text);
    assert.deepStrictEqual(
      df.instructions.map((i) => [i.keyword, i.args.text, i.line]),
      [
        ['FROM', 'php', 1],
        ['RUN', 'a   b', 3],
        ['CMD', '["php", "x\\"y"]', 7],
      ],
    );
    const words = execFormWords(df.instructions[2].args)!;
    assert.deepStrictEqual(words.map((w) => w.value), ['php', 'x"y']);
    assert.strictEqual(text.slice(words[1].start, words[1].end), '"x\\"y"');
    assert.strictEqual(execFormWords(df.instructions[1].args), undefined);
    assert.strictEqual(execFormWords({ text: '[php]', offsets: [0, 1, 2, 3, 4, 5] }), undefined, 'not JSON: shell form');
  });
  it('the escape directive and here-documents', () => {
    const text = '# escape=`\nFROM x\nRUN a `\n  b\nRUN <<EOF\nphp x\nEOF\nCMD c\n';
    const df = parseDockerfile(text);
    assert.strictEqual(df.escape, '`');
    assert.deepStrictEqual(df.instructions.map((i) => [i.keyword, i.args.text]), [
      ['FROM', 'x'],
      ['RUN', 'a   b'],
      ['RUN', '<<EOF'],
      ['CMD', 'c'],
    ]);
    const h = df.instructions[2].heredocs[0];
    assert.deepStrictEqual([h.delimiter, h.body.text, text.slice(h.body.offsets[0], h.body.offsets[h.body.text.length])], ['EOF', 'php x', 'php x']);
  });
});

describe('parseJson', () => {
  it('keeps offsets, decoding escapes', () => {
    const text = '{"a": [1, true, null], "s": "x\\"\\u0041y"}';
    const root = parseJson(text);
    const s = jsonMember(root, 's');
    assert.ok(s?.kind === 'string');
    assert.strictEqual(s.value, 'x"Ay');
    assert.deepStrictEqual(s.offsets.map((o) => text[o]), ['x', '\\', '\\', 'y']);
    assert.strictEqual(text.slice(s.start, s.end), '"x\\"\\u0041y"');
    assert.strictEqual(jsonMember(root, 'a')?.kind, 'array');
  });
  it('undefined on syntax errors', () => {
    for (const bad of ['{', '{"a":1,}', '[1 2]', '"\\x"', '{} x', '[' .repeat(10000)]) assert.strictEqual(parseJson(bad), undefined, bad);
  });
});

describe('joinMapped on a very long line (fuzz regression: push(...) overflowed the stack)', () => {
  it('joins 300,000 characters and keeps every offset', () => {
    const n = 300_000;
    const part = { text: 'x'.repeat(n), offsets: Array.from({ length: n + 1 }, (_, i) => i) };
    const joined = joinMapped([part, { text: 'y', offsets: [n + 5, n + 6] }], ' ');
    assert.strictEqual(joined.text.length, n + 2);
    assert.strictEqual(joined.offsets.length, n + 3);
    assert.strictEqual(joined.offsets[n - 1], n - 1);
    assert.strictEqual(joined.offsets[n], n); // the separator maps to the end of the piece before it
    assert.strictEqual(joined.offsets[n + 1], n + 5);
    assert.strictEqual(joined.offsets[n + 2], n + 6);
  });
});
