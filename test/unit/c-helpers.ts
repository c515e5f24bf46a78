// Helpers for the C rule tests: run the engine on a snippet, apply a fix.
import * as assert from 'assert';
import { assertShortLead } from './message-text';
import { analyze, LineIndex, type Finding, type Fix, type Profile } from '../../server/src/engine';

/** Analyses C source and returns the findings (asserting no rule threw). */
export function runC(text: string, profile: Profile = 'fpm', ruleId?: string): Finding[] {
  const result = analyze({ path: '/tmp/test.c', text, language: 'c' }, { profile });
  assert.deepStrictEqual(result.failures, [], 'no rule may throw');
  return ruleId ? result.findings.filter((f) => f.ruleId === ruleId) : result.findings;
}

/** Applies a fix's edits to the text (edits must not overlap). */
export function applyFix(text: string, fix: Fix): string {
  const lines = new LineIndex(text);
  const edits = fix.edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Joins lines with \n (keeps test sources readable). */
export function src(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** A compact [line, character, endLine, endCharacter] (0-based, LSP) of a finding. */
export function rangeOf(f: { range: Finding['range'] }): [number, number, number, number] {
  return [f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character];
}

export interface InvalidCase {
  name: string;
  code: string;
  profile?: Profile;
  /** One entry per expected finding of the rule under test, in document order. */
  errors: Array<{
    message: string[];
    range?: [number, number, number, number];
    severity?: Finding['severity'];
    /** 0-based lines of the related ("leaks here") locations. */
    relatedLines?: number[];
    /** Expected document after applying the fix whose title contains the key. */
    fixes?: Record<string, string>;
    /** Fix titles (substrings) that must NOT be offered. */
    noFixes?: string[];
    /** Title (substring) of the fix that must come first and be the only preferred one. */
    preferred?: string;
  }>;
}

/** ESLint-style: valid snippets produce nothing from the rule; invalid ones exactly the errors listed. */
export function ruleTester(ruleId: string, valid: Array<{ name: string; code: string; profile?: Profile }>, invalid: InvalidCase[]): void {
  describe(`${ruleId}: valid`, () => {
    for (const v of valid) {
      it(v.name, () => {
        for (const profile of v.profile ? [v.profile] : (['fpm', 'long-running'] as Profile[])) {
          const found = runC(v.code, profile, ruleId);
          assert.deepStrictEqual(found.map((f) => f.message), [], `${profile}: expected no findings`);
        }
      });
    }
  });
  describe(`${ruleId}: invalid`, () => {
    for (const c of invalid) {
      it(c.name, () => {
        const found = runC(c.code, c.profile ?? 'fpm', ruleId);
        assert.strictEqual(found.length, c.errors.length, `findings: ${JSON.stringify(found.map((f) => f.message), null, 1)}`);
        for (const f of found) assertShortLead(f);
        c.errors.forEach((e, i) => {
          const f = found[i];
          for (const m of e.message) assert.ok(f.message.includes(m), `message ${JSON.stringify(f.message)} should contain ${JSON.stringify(m)}`);
          if (e.range) assert.deepStrictEqual(rangeOf(f), e.range, 'range');
          if (e.severity) assert.strictEqual(f.severity, e.severity, 'severity');
          if (e.relatedLines) assert.deepStrictEqual((f.related ?? []).map((r) => r.range.start.line), e.relatedLines, 'related lines');
          for (const [title, output] of Object.entries(e.fixes ?? {})) {
            const fix = (f.fixes ?? []).find((x) => x.title.includes(title));
            assert.ok(fix, `fix "${title}" among ${JSON.stringify((f.fixes ?? []).map((x) => x.title))}`);
            assert.strictEqual(applyFix(c.code, fix), output, `output of fix "${title}"`);
          }
          if (e.preferred) {
            const fx = f.fixes ?? [];
            assert.ok(fx[0]?.title.includes(e.preferred), `first fix ${JSON.stringify(fx.map((x) => x.title))} should be "${e.preferred}"`);
            assert.deepStrictEqual(fx.filter((x) => x.isPreferred).map((x) => x.title), [fx[0].title], 'only the first fix is preferred');
          }
          for (const title of e.noFixes ?? []) {
            assert.ok(!(f.fixes ?? []).some((x) => x.title.includes(title)), `fix "${title}" must not be offered`);
          }
        });
      });
    }
  });
}
