// ESLint-style rule tests: valid cases produce nothing; invalid cases produce
// exactly the listed findings (1-based line/column), and applying each
// finding's first fix gives `output`.
import * as assert from 'assert';
import { assertShortLead } from './message-text';
import { analyze, initEngine, LineIndex, type DocLanguage, type Finding, type Profile, type Rule, type TextEdit } from '../../server/src/engine';

export interface ValidCase {
  code: string;
  language?: DocLanguage;
  profile?: Profile;
  name?: string;
}

export interface ExpectedFinding {
  message?: string | RegExp;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  severity?: Finding['severity'];
}

export interface InvalidCase extends ValidCase {
  errors: ExpectedFinding[];
  /** The text after applying the first fix of every finding (undefined: no fix expected to be checked). */
  output?: string;
}

export function applyEdits(text: string, edits: TextEdit[]): string {
  const li = new LineIndex(text);
  const sorted = edits
    .map((e) => ({ start: li.offsetAt(e.range.start), end: li.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

export function ruleTester(rule: Rule, cases: { valid: ValidCase[]; invalid: InvalidCase[] }, defaults: { language: DocLanguage; path: string }): void {
  describe(`rule ${rule.meta.id}`, () => {
    before(() => initEngine());
    const run = (c: ValidCase) =>
      analyze({ path: defaults.path, text: c.code, language: c.language ?? defaults.language }, { profile: c.profile ?? 'fpm' }, [rule]);

    for (const [i, c] of cases.valid.entries()) {
      it(`valid #${i + 1}${c.name ? `: ${c.name}` : ''}`, () => {
        const res = run(c);
        assert.deepStrictEqual(res.failures, []);
        assert.deepStrictEqual(res.findings.map((f) => `${f.range.start.line + 1}:${f.range.start.character + 1} ${f.message}`), []);
      });
    }
    for (const [i, c] of cases.invalid.entries()) {
      it(`invalid #${i + 1}${c.name ? `: ${c.name}` : ''}`, () => {
        const res = run(c);
        assert.deepStrictEqual(res.failures, []);
        assert.strictEqual(res.findings.length, c.errors.length, res.findings.map((f) => f.message).join('\n'));
        for (const f of res.findings) assertShortLead(f);
        c.errors.forEach((e, j) => {
          const f = res.findings[j];
          assert.strictEqual(f.range.start.line + 1, e.line, `line of finding ${j + 1}`);
          assert.strictEqual(f.range.start.character + 1, e.column, `column of finding ${j + 1}`);
          if (e.endLine !== undefined) assert.strictEqual(f.range.end.line + 1, e.endLine);
          if (e.endColumn !== undefined) assert.strictEqual(f.range.end.character + 1, e.endColumn);
          if (e.severity) assert.strictEqual(f.severity, e.severity);
          if (typeof e.message === 'string') assert.ok(f.message.includes(e.message), `"${f.message}" lacks "${e.message}"`);
          else if (e.message) assert.match(f.message, e.message);
        });
        if (c.output !== undefined) {
          const edits = res.findings.flatMap((f) => f.fixes?.[0]?.edits ?? []);
          assert.ok(edits.length > 0, 'expected a fix');
          assert.strictEqual(applyEdits(c.code, edits), c.output);
          // The fixed text is clean.
          assert.deepStrictEqual(run({ ...c, code: c.output }).findings.map((f) => f.message), []);
        }
      });
    }
  });
}
