// Settings that must default instead of breaking: values nested 10,000 deep, a 10 MB bad value,
// a glob over 65,536 characters, maxFileSize 1e12 and a budget lifted past any sense. Every
// problem line quotes at most 200 characters of the value; nothing throws.
import * as assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, MAX_BUDGET_MS, MAX_FILE_SIZE_CAP, normalizeSettings, quoteValue } from '../../server/src/engine';

function deep(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

describe('settings: capped, never throwing, quoting at most 200 characters', () => {
  it('values nested 10,000 deep are reported and replaced, not thrown on', () => {
    const d = deep(10_000);
    assert.throws(() => JSON.stringify(d), RangeError, 'the input really is too deep for JSON.stringify');
    for (const key of ['enable', 'runtime', 'include', 'exclude', 'maxFileSize', 'analysisTimeBudget', 'includeThirdParty']) {
      const n = normalizeSettings({ [key]: d });
      assert.equal(n.problems.length, 1, key);
      assert.ok(n.problems[0].length < 400, n.problems[0].slice(0, 500));
      assert.deepEqual(n.settings[key as keyof typeof n.settings], DEFAULT_SETTINGS[key as keyof typeof DEFAULT_SETTINGS]);
    }
    const r = normalizeSettings({ rules: { 'c-process-heap-leak': d } });
    assert.equal(r.problems.length, 1);
    assert.ok(normalizeSettings(deep(10_000)).problems.length >= 1);
  });

  it('a 10 MB bad value is quoted with at most 200 characters', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    for (const raw of [{ runtime: big }, { rules: { [big]: 'error' } }, { maxFileSize: big }, { include: [1, big] }]) {
      const n = normalizeSettings(raw);
      assert.equal(n.problems.length, 1);
      assert.ok(n.problems[0].length < 400, `${n.problems[0].length} characters`);
    }
    assert.ok(quoteValue(big).length <= 201);
    assert.equal(quoteValue({ a: [1, 'b'] }), '{"a":[1,"b"]}');
  });

  it('a glob over 65,536 characters (or 100,000 globs) is refused with the default kept', () => {
    for (const include of [['*'.repeat(70_000)], Array.from({ length: 100_000 }, (_, i) => `**/${i}.c`)]) {
      const n = normalizeSettings({ include });
      assert.deepEqual(n.settings.include, DEFAULT_SETTINGS.include);
      assert.match(n.problems[0], /phpLeak\.include: at most 1000 globs of at most 4096 characters/);
      assert.ok(n.problems[0].length < 400);
    }
  });

  it('maxFileSize and the time budget are capped', () => {
    const n = normalizeSettings({ maxFileSize: 1e12, analysisTimeBudget: 1e9 });
    assert.equal(n.settings.maxFileSize, MAX_FILE_SIZE_CAP);
    assert.equal(n.settings.analysisTimeBudget, MAX_BUDGET_MS);
    assert.equal(n.problems.length, 2);
    assert.match(n.problems.join('\n'), /maxFileSize: 1000000000000 is above the cap/);
    // Within the caps: as given.
    assert.equal(normalizeSettings({ maxFileSize: 5_000_000, analysisTimeBudget: 5000 }).settings.maxFileSize, 5_000_000);
  });
});
