import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  allRules,
  analyze,
  decodeText,
  detectProfile,
  initEngine,
  languageOf,
  LineIndex,
  looksBinary,
  DEFAULT_SETTINGS,
  normalizeSettings,
  PROFILE_SETTINGS,
  PROFILES,
  registeredRules,
  ruleKind,
  ruleRegistry,
  walkFiles,
  BUDGET_RULE_ID,
  type Rule,
  type SourceDocument,
} from '../../server/src/engine';
import { replaceRuleTable, ruleTableMarkdown } from '../../server/src/engine/ruleTable';

/** Every rule id a user can see: the one registry (static, runtime and budget rules). */
const everyRule = registeredRules;

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function rule(id: string, check: Rule['check'], sev: Rule['meta']['defaultSeverity'] = { fpm: 'warning', 'long-running': 'error' }): Rule {
  return {
    meta: { id, title: id, description: id, languages: ['c'], defaultSeverity: sev, category: 'c-extension' },
    check,
  };
}

const someRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
const cDoc: SourceDocument = { path: '/x/a.c', text: 'int x;\n', language: 'c' };

describe('engine: analyze()', () => {
  before(() => initEngine());

  it('isolates a rule that throws: the error is recorded and the other rules still report', () => {
    const boom = rule('boom', () => {
      throw new Error('kaboom');
    });
    const ok = rule('ok', () => [{ message: 'found', range: someRange }]);
    const res = analyze(cDoc, { profile: 'fpm' }, [boom, ok]);
    assert.deepStrictEqual(res.findings.map((f) => f.ruleId), ['ok']);
    assert.strictEqual(res.failures.length, 1);
    assert.strictEqual(res.failures[0].ruleId, 'boom');
    assert.match(res.failures[0].error, /kaboom/);
  });

  it('resolves severity by profile, per-finding override, and user override (which wins)', () => {
    const r = rule('r', () => [{ message: 'a', range: someRange }, { message: 'b', range: someRange, severity: 'hint' }], {
      fpm: 'information',
      'long-running': 'error',
    });
    assert.deepStrictEqual(analyze(cDoc, { profile: 'fpm' }, [r]).findings.map((f) => f.severity), ['information', 'hint']);
    assert.deepStrictEqual(analyze(cDoc, { profile: 'long-running' }, [r]).findings.map((f) => f.severity), ['error', 'hint']);
    assert.deepStrictEqual(
      analyze(cDoc, { profile: 'fpm', rules: { r: 'warning' } }, [r]).findings.map((f) => f.severity),
      ['warning', 'warning'],
    );
    assert.strictEqual(analyze(cDoc, { profile: 'fpm', rules: { r: 'off' } }, [r]).findings.length, 0);
  });

  it('does not run a rule that is off under the profile, nor rules of another language', () => {
    let calls = 0;
    const r = rule('r', () => (calls++, []), { fpm: 'off', 'long-running': 'error' });
    analyze(cDoc, { profile: 'fpm' }, [r]);
    analyze({ ...cDoc, language: 'php', path: '/x/a.php' }, { profile: 'long-running' }, [r]);
    assert.strictEqual(calls, 0);
    analyze(cDoc, { profile: 'long-running' }, [r]);
    assert.strictEqual(calls, 1);
  });

  it('shares one computation per document between rules, and disposes it after analysis', () => {
    let produced = 0;
    let disposed = 0;
    const use = (id: string) =>
      rule(id, (ctx) => {
        ctx.shared('thing', () => (produced++, { dispose: () => disposed++ }));
        return [];
      });
    analyze(cDoc, { profile: 'fpm' }, [use('a'), use('b')]);
    assert.strictEqual(produced, 1);
    assert.strictEqual(disposed, 1);
  });

  it('skips binary content with a reason instead of analysing it', () => {
    const res = analyze({ ...cDoc, text: 'PHP_FUNCTION(x) {\u0000\u0001 malloc(1); }' }, { profile: 'fpm' });
    assert.match(res.skipped ?? '', /binary/);
    assert.strictEqual(res.findings.length, 0);
    assert.ok(looksBinary('a\u0000b'));
    assert.ok(!looksBinary('plain text'));
  });

  it('survives every registered rule on broken, empty and odd input', () => {
    const inputs = ['', '{', 'PHP_FUNCTION(', '}}}}', 'PHP_FUNCTION(x) { char *p = malloc(', '\r\r\r', 'é'.repeat(1000), '#define X(', '<?php $a = ;'];
    for (const text of inputs) {
      for (const language of ['c', 'php', 'ini', 'php-fpm-conf'] as const) {
        const res = analyze({ path: `/x/f`, text, language }, { profile: 'long-running' });
        assert.deepStrictEqual(res.failures, [], `${language} ${JSON.stringify(text.slice(0, 20))}`);
      }
    }
  });
});

describe('engine: LineIndex', () => {
  it('maps offsets to LSP positions with \\n, \\r\\n and lone \\r line ends, counting UTF-16 units', () => {
    const text = 'ab\r\ncé\rd\n😀x';
    const li = new LineIndex(text);
    assert.strictEqual(li.lineCount, 4);
    assert.deepStrictEqual(li.positionAt(0), { line: 0, character: 0 });
    assert.deepStrictEqual(li.positionAt(4), { line: 1, character: 0 }); // 'c'
    assert.deepStrictEqual(li.positionAt(7), { line: 2, character: 0 }); // 'd' after lone \r
    assert.deepStrictEqual(li.positionAt(11), { line: 3, character: 2 }); // 'x' after a surrogate pair
    assert.strictEqual(li.offsetAt({ line: 3, character: 2 }), 11);
    assert.strictEqual(li.lineText(1), 'cé');
    assert.strictEqual(li.eol, '\r\n');
  });

  it('clamps out-of-range positions', () => {
    const li = new LineIndex('a\nb');
    assert.strictEqual(li.offsetAt({ line: 99, character: 0 }), 3);
    assert.strictEqual(li.offsetAt({ line: 0, character: 99 }), 2);
    assert.deepStrictEqual(li.positionAt(-5), { line: 0, character: 0 });
  });
});

describe('engine: settings', () => {
  it('accepts good values', () => {
    const { settings, problems } = normalizeSettings({ runtime: 'long-running', rules: { 'c-process-heap-leak': 'warning' }, maxFileSize: 10 });
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(settings.runtime, 'long-running');
    assert.strictEqual(settings.rules['c-process-heap-leak'], 'warning');
    assert.strictEqual(settings.maxFileSize, 10);
  });

  it('replaces each bad value by its default with a message naming the setting', () => {
    const { settings, problems } = normalizeSettings(
      { runtime: 42, rules: { 'c-process-heap-leak': 'loud', nope: 'off' }, include: 'x', maxFileSize: -1, enable: 'yes' },
    );
    assert.strictEqual(settings.runtime, 'auto');
    assert.deepStrictEqual(settings.rules, {});
    assert.ok(Array.isArray(settings.include) && settings.include.includes('**/*.c'));
    assert.strictEqual(settings.maxFileSize, 2 * 1024 * 1024);
    assert.strictEqual(settings.enable, true);
    const text = problems.join('\n');
    for (const name of ['phpLeak.runtime', 'phpLeak.rules.c-process-heap-leak', 'unknown rule "nope"', 'phpLeak.include', 'phpLeak.maxFileSize', 'phpLeak.enable']) {
      assert.ok(text.includes(name), `${name} missing from:\n${text}`);
    }
  });

  it('phpLeak.rules accepts every registered rule (runtime and budget ones too); an unknown id is still reported', () => {
    const { settings, problems } = normalizeSettings({
      rules: { 'runtime-debug-leak': 'off', 'runtime-valgrind-leak': 'warning', 'analysis-budget': 'hint', 'c-double-free': 'off', 'runtime-made-up': 'off' },
    });
    assert.deepStrictEqual(settings.rules, { 'runtime-debug-leak': 'off', 'runtime-valgrind-leak': 'warning', 'analysis-budget': 'hint', 'c-double-free': 'off' });
    assert.deepStrictEqual(problems, ['phpLeak.rules: unknown rule "runtime-made-up" ignored']);
  });

  it("the runtime profiles are one list: package.json's phpLeak.runtime enum is the engine's, and the setting and detection follow it", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const runtime = pkg.contributes.configuration.properties['phpLeak.runtime'];
    assert.deepStrictEqual(runtime.enum, [...PROFILE_SETTINGS]);
    assert.strictEqual(runtime.enumDescriptions.length, PROFILE_SETTINGS.length);
    assert.strictEqual(runtime.default, DEFAULT_SETTINGS.runtime);
    for (const p of PROFILE_SETTINGS) assert.strictEqual(normalizeSettings({ runtime: p }).settings.runtime, p);
    for (const p of PROFILES) assert.deepStrictEqual(detectProfile(p, undefined), { profile: p, reason: 'set by phpLeak.runtime' });
    assert.match(normalizeSettings({ runtime: 'swoole' }).problems[0], /expected one of auto, fpm, long-running/);
  });

  it('treats a non-object as defaults with a message', () => {
    const { settings, problems } = normalizeSettings('weird');
    assert.strictEqual(settings.runtime, 'auto');
    assert.strictEqual(problems.length, 1);
  });
});

describe('engine: runtime profile', () => {
  const files = (map: Record<string, string>) => (f: string) => map[f];

  it('lets the setting win', () => {
    assert.strictEqual(detectProfile('long-running', '/w', '/w', files({})).profile, 'long-running');
    assert.strictEqual(detectProfile('fpm', '/w', '/w', files({ '/w/composer.json': '{"require":{"laravel/octane":"^2"}}' })).profile, 'fpm');
  });

  it('reads the nearest composer.json under auto', () => {
    const read = files({
      '/w/composer.json': '{"require":{"php":">=8.1"}}',
      '/w/app/composer.json': '{"require":{"workerman/webman-framework":"^1.5"}}',
    });
    const d = detectProfile('auto', '/w/app/controller', '/w', read);
    assert.strictEqual(d.profile, 'long-running');
    assert.match(d.reason, /webman/);
    assert.strictEqual(detectProfile('auto', '/w/lib', '/w', read).profile, 'fpm');
  });

  for (const [pkg, name] of [
    ['openswoole/core', 'Swoole'],
    ['hyperf/framework', 'Hyperf'],
    ['laravel/octane', 'Octane'],
    ['spiral/roadrunner-http', 'RoadRunner'],
    ['react/http', 'ReactPHP'],
    ['amphp/http-server', 'AMPHP'],
    ['runtime/frankenphp-symfony', 'FrankenPHP'],
  ]) {
    it(`detects ${name} from ${pkg}`, () => {
      const d = detectProfile('auto', '/w', '/w', files({ '/w/composer.json': JSON.stringify({ 'require-dev': { [pkg]: '*' } }) }));
      assert.strictEqual(d.profile, 'long-running');
      assert.ok(d.reason.includes(name), d.reason);
    });
  }

  it('does not climb above the workspace folder, and survives broken JSON', () => {
    const read = files({ '/composer.json': '{"require":{"laravel/octane":"*"}}', '/w/b/composer.json': '{not json' });
    assert.strictEqual(detectProfile('auto', '/w/a', '/w', read).profile, 'fpm');
    const broken = detectProfile('auto', '/w/b', '/w', read);
    assert.strictEqual(broken.profile, 'fpm');
    assert.match(broken.reason, /not valid JSON/);
  });
});

describe('engine: languages and file walking', () => {
  it('knows the file kinds', () => {
    assert.strictEqual(languageOf('/a/b.c'), 'c');
    assert.strictEqual(languageOf('/a/php_x.h'), 'c');
    assert.strictEqual(languageOf('/a/b.php'), 'php');
    assert.strictEqual(languageOf('/etc/php/8.2/fpm/pool.d/www.conf'), 'php-fpm-conf');
    assert.strictEqual(languageOf('/etc/php/8.2/fpm/php-fpm.conf'), 'php-fpm-conf');
    assert.strictEqual(languageOf('/etc/nginx/nginx.conf'), 'other');
    assert.strictEqual(languageOf('/etc/php/8.2/cli/php.ini'), 'ini');
    assert.strictEqual(languageOf('/x/whatever', 'php'), 'php');
  });

  it('walks include/exclude globs, skips big files with a reason, never follows symlinks', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-walk-'));
    try {
      fs.mkdirSync(path.join(dir, 'src'));
      fs.mkdirSync(path.join(dir, 'vendor', 'x'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src', 'a.c'), 'int a;');
      fs.writeFileSync(path.join(dir, 'src', 'b.php'), '<?php');
      fs.writeFileSync(path.join(dir, 'src', 'notes.txt'), 'x');
      fs.writeFileSync(path.join(dir, 'src', 'big.c'), 'x'.repeat(5000));
      fs.writeFileSync(path.join(dir, 'vendor', 'x', 'v.php'), '<?php');
      fs.symlinkSync(dir, path.join(dir, 'src', 'loop'));
      const skipped: string[] = [];
      const found: string[] = [];
      for await (const e of walkFiles(dir, {
        include: ['**/*.c', '**/*.php'],
        exclude: ['**/vendor/**'],
        maxFileSize: 1000,
        onSkip: (s) => skipped.push(`${path.basename(s.path)}: ${s.reason}`),
      })) {
        found.push(path.relative(dir, e.path));
      }
      assert.deepStrictEqual(found.sort(), ['src/a.c', 'src/b.php']);
      assert.strictEqual(skipped.length, 1);
      assert.match(skipped[0], /^big\.c: larger than the maximum file size/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes invalid UTF-8 with replacement characters and UTF-16 with a BOM', () => {
    assert.strictEqual(decodeText(Buffer.from([0x61, 0xff, 0x62])), 'a\ufffdb');
    assert.strictEqual(decodeText(Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x62, 0x00])), 'ab');
    assert.strictEqual(decodeText(Buffer.from([0xef, 0xbb, 0xbf, 0x61])), 'a');
  });
});

describe('rule registry and docs', () => {
  it('one registry holds every static rule, both runtime rules and the budget notice, each with its kind', () => {
    assert.deepStrictEqual(
      ruleRegistry.filter((r) => r.kind === 'static').map((r) => r.rule),
      allRules,
    );
    assert.deepStrictEqual(ruleRegistry.filter((r) => r.kind === 'runtime').map((r) => r.rule.meta.id), ['runtime-valgrind-leak', 'runtime-debug-leak']);
    assert.deepStrictEqual(ruleRegistry.filter((r) => r.kind === 'budget').map((r) => r.rule.meta.id), [BUDGET_RULE_ID]);
    assert.strictEqual(ruleKind('c-double-free'), 'static');
    assert.strictEqual(ruleKind('runtime-debug-leak'), 'runtime');
    assert.strictEqual(ruleKind(BUDGET_RULE_ID), 'budget');
    assert.strictEqual(ruleKind('nope'), undefined);
  });

  it('has unique kebab-case ids, and a docs page per rule whose first line names it', () => {
    const ids = everyRule.map((r) => r.meta.id);
    assert.strictEqual(new Set(ids).size, ids.length);
    for (const r of everyRule) {
      assert.match(r.meta.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      const page = path.join(repoRoot, 'docs', 'rules', `${r.meta.id}.md`);
      assert.ok(fs.existsSync(page), `missing ${page}`);
      const first = fs.readFileSync(page, 'utf8').split('\n')[0];
      assert.ok(first.startsWith(`# ${r.meta.id}`), `${page} starts with "${first}"`);
    }
  });

  it("README's rule table is the one generated from the registry (run `npm run docs:rules` when this fails)", () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.strictEqual(replaceRuleTable(readme, everyRule), readme, 'README.md rule table is stale: run `npm run docs:rules`');
    for (const r of everyRule) assert.ok(ruleTableMarkdown(everyRule).includes(`\`${r.meta.id}\``));
    // Every registered id has its row in the README as committed (runtime and budget rules too).
    for (const { rule: r } of ruleRegistry) assert.ok(readme.includes(`| [\`${r.meta.id}\`](docs/rules/${r.meta.id}.md) |`), `README row for ${r.meta.id}`);
  });
});

describe('engine: runtime profile from composer.lock, .rr.yaml, code and php-fpm pools', () => {
  const files = (map: Record<string, string>) => (f: string) => map[f];
  /** A WorkspaceView over in-memory files (per-file facts and shared cache included). */
  const ws = (map: Record<string, string>, counter?: { reads: number }) => {
    const shared = new Map<string, unknown>();
    const facts = new Map<string, unknown>();
    const langOf = (f: string) => (f.endsWith('.php') ? 'php' : /www\.conf$|php-fpm\.d/.test(f) ? 'php-fpm-conf' : f.endsWith('.yaml') ? 'yaml' : 'other');
    return {
      files: (lang: string) => Object.keys(map).filter((f) => langOf(f) === lang).sort(),
      read: (f: string) => map[f],
      shared: <T>(k: string, produce: () => T) => (shared.has(k) ? (shared.get(k) as T) : (shared.set(k, produce()), shared.get(k) as T)),
      fileFact: <T>(k: string, f: string, produce: (t: string) => T) => {
        const id = `${k}\0${f}`;
        if (!facts.has(id)) {
          if (counter) counter.reads++;
          facts.set(id, produce(map[f]));
        }
        return facts.get(id) as T;
      },
    };
  };

  it('composer.lock: a runtime installed as a (transitive, non-dev) package', () => {
    const read = files({
      '/w/composer.json': '{"require":{"hyperf/http-server-lite":"*"}}',
      '/w/composer.lock': JSON.stringify({ packages: [{ name: 'psr/log' }, { name: 'swoole/ide-helper' }], 'packages-dev': [] }),
    });
    // hyperf/* is already in composer.json here; check the lock alone:
    const lockOnly = files({ '/w/composer.json': '{"require":{"acme/app-kit":"*"}}', '/w/composer.lock': JSON.stringify({ packages: [{ name: 'spiral/roadrunner-worker' }] }) });
    const d = detectProfile('auto', '/w/src', '/w', lockOnly);
    assert.strictEqual(d.profile, 'long-running');
    assert.match(d.reason, /RoadRunner \(`composer\.lock` installs spiral\/roadrunner-worker\)/);
    assert.strictEqual(detectProfile('auto', '/w', '/w', read).profile, 'long-running');
    const devOnly = files({ '/w/composer.json': '{}', '/w/composer.lock': JSON.stringify({ packages: [], 'packages-dev': [{ name: 'react/http' }] }) });
    assert.strictEqual(detectProfile('auto', '/w', '/w', devOnly).profile, 'fpm');
  });

  it('.rr.yaml next to the code: RoadRunner; the setting still wins', () => {
    const read = files({ '/w/.rr.yaml': 'version: "3"\n' });
    const d = detectProfile('auto', '/w/src/Http', '/w', read);
    assert.strictEqual(d.profile, 'long-running');
    assert.match(d.reason, /RoadRunner \(`\.rr\.yaml` found\)/);
    assert.strictEqual(detectProfile('fpm', '/w/src/Http', '/w', read).profile, 'fpm');
  });

  for (const [name, code] of [
    ['Swoole', '<?php $http = new Swoole\\Http\\Server("0.0.0.0", 9501);'],
    ['Swoole', '<?php use OpenSwoole\\Http\\Server;\n$s = new Server("0.0.0.0", 9501);'],
    ['Workerman', '<?php use Workerman\\Worker;\n$w = new Worker("http://0.0.0.0:2345");'],
    ['RoadRunner', '<?php while ($req = $psr7->waitRequest()) { $psr7->respond($h($req)); }'],
    ['FrankenPHP', '<?php $ok = frankenphp_handle_request($handler);'],
    ['ReactPHP', '<?php $http = new React\\Http\\HttpServer(fn ($r) => new Response());'],
    ['AMPHP', '<?php $server = Amp\\Http\\Server\\SocketHttpServer::createForDirectAccess($logger);'],
  ]) {
    it(`code signal: ${name} started in a PHP file of the workspace`, () => {
      const d = detectProfile('auto', '/w/app', '/w', files({}), ws({ '/w/server.php': code, '/w/app/X.php': '<?php class X {}' }));
      assert.strictEqual(d.profile, 'long-running');
      assert.ok(d.reason.includes(name) && d.reason.includes('server.php'), d.reason);
    });
  }

  it('code signals are per-file facts, cached per folder, and need the workspace', () => {
    const counter = { reads: 0 };
    const view = ws({ '/w/a.php': '<?php echo 1;', '/w/b.php': '<?php new Workerman\\Worker("x");' }, counter);
    detectProfile('auto', '/w', '/w', files({}), view);
    detectProfile('auto', '/w/x', '/w', files({}), view);
    assert.strictEqual(counter.reads, 2);
    assert.strictEqual(detectProfile('auto', '/w', '/w', files({})).profile, 'fpm');
  });

  it('a php-fpm pool file says php-fpm; a long-running signal still wins over it', () => {
    const d = detectProfile('auto', '/w', '/w', files({}), ws({ '/w/docker/php-fpm.d/www.conf': '[www]\n' }));
    assert.strictEqual(d.profile, 'fpm');
    // The reason follows the profile's name (`php-fpm (…)`): it does not repeat it.
    assert.strictEqual(d.reason, 'pool configuration `docker/php-fpm.d/www.conf` found');
    const both = detectProfile('auto', '/w', '/w', files({}), ws({ '/w/docker/php-fpm.d/www.conf': '[www]\n', '/w/start.php': '<?php new Swoole\\Http\\Server("x");' }));
    assert.strictEqual(both.profile, 'long-running');
  });
});

describe('runtime profile: code signals read from the PHP AST', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { codeSignalOf } = require('../../server/src/engine/profile') as typeof import('../../server/src/engine/profile');
  const cases: Array<[string, string | undefined]> = [
    ['use Workerman\\Worker; $w = new Worker("http://0.0.0.0:8787");', 'Workerman'],
    ['use Swoole\\Http\\Server as S; $s = new S("0.0.0.0", 9501);', 'Swoole'],
    ['$s = new \\OpenSwoole\\Http\\Server("0.0.0.0");', 'Swoole'],
    ['namespace App; use React\\Http\\HttpServer; $h = new HttpServer(fn () => 1);', 'ReactPHP'],
    ['use Amp\\Http\\Server\\SocketHttpServer; $s = SocketHttpServer::createForDirectAccess($log);', 'AMPHP'],
    ['while ($req = $worker->waitRequest()) { $worker->respond($req); }', 'RoadRunner'],
    ['frankenphp_handle_request(function () { echo 1; });', 'FrankenPHP worker mode'],
    // Words in comments and strings, other classes with the same short name: no signal.
    ['// new Swoole\\Http\\Server("x") was here', undefined],
    ['$doc = "new Workerman\\\\Worker()";', undefined],
    ['use App\\Http\\Server; $s = new Server();', undefined],
  ];
  for (const [code, expected] of cases) {
    it(`${JSON.stringify(code.slice(0, 60))} -> ${expected ?? 'none'}`, () => {
      assert.strictEqual(codeSignalOf(`<?php ${code}`), expected);
    });
  }
});
