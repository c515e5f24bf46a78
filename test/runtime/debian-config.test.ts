// The configuration files Debian ships with php-fpm and php-cli, scanned as a user's
// workspace would be: the findings expected from reading those files, and nothing else.
//
//   /etc/php/8.2/fpm/pool.d/www.conf      [www] sets pm = dynamic … but only `;pm.max_requests = 500`
//                                          (commented out): the pool never recycles -> fpm-max-requests
//                                          on the `[www]` header (line 4).
//   /etc/php/8.2/fpm/php-fpm.conf         [global] only (pid, error_log, include): nothing.
//   /usr/lib/php/8.2/php.ini-production   memory_limit = 128M, zend.enable_gc = On,
//                                          mysqlnd.collect_memory_statistics = Off: nothing.
//   /usr/lib/php/8.2/php.ini-development  the same, but mysqlnd.collect_memory_statistics = On
//                                          -> mysqlnd-memory-settings (information).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, describeAt, DiskWorkspace, DEFAULT_SETTINGS, initEngine, languageOf, type Profile } from '../../server/src/engine';
import { makeTempDir, removeTempDir } from '../support/fixtures';

const FILES = {
  pool: '/etc/php/8.2/fpm/pool.d/www.conf',
  fpm: '/etc/php/8.2/fpm/php-fpm.conf',
  production: '/usr/lib/php/8.2/php.ini-production',
  development: '/usr/lib/php/8.2/php.ini-development',
};
const INSTALL = 'apt-get install -y php-fpm php-cli';

function ensureDebianFiles(): void {
  const missing = () => Object.values(FILES).filter((f) => !fs.existsSync(f));
  if (!missing().length) return;
  if (process.getuid?.() === 0) {
    const r = spawnSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${INSTALL}`], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`"${INSTALL}" failed (exit ${r.status})`);
  }
  if (missing().length) throw new Error(`missing ${missing().join(', ')}: install them with \`sudo ${INSTALL}\``);
}

/** 1-based "line:column rule severity" of every finding of a file. */
function findingsOf(file: string, profile: Profile, ws?: DiskWorkspace): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const res = analyze({ path: file, text, language: languageOf(file) }, { profile, workspace: ws });
  assert.deepStrictEqual(res.failures, [], `rules failed on ${file}`);
  return res.findings.map((f) => `${f.range.start.line + 1}:${f.range.start.character + 1} ${f.ruleId} ${f.severity}`);
}

describe('the configuration Debian ships (php8.2-fpm, php8.2-cli)', function () {
  this.timeout(300_000);
  before(async () => {
    ensureDebianFiles();
    await initEngine();
  });

  for (const profile of ['fpm', 'long-running'] as const) {
    describe(`profile ${profile}`, () => {
      it('www.conf: the pool never recycles its workers (pm.max_requests only in a comment)', () => {
        assert.strictEqual(languageOf(FILES.pool), 'php-fpm-conf');
        const text = fs.readFileSync(FILES.pool, 'utf8');
        assert.match(text, /^;pm\.max_requests = 500$/m, 'Debian ships the bound commented out');
        assert.deepStrictEqual(findingsOf(FILES.pool, profile), ['4:1 fpm-max-requests warning']);
      });
      it('php-fpm.conf: the [global] section is not a pool: nothing', () => {
        assert.strictEqual(languageOf(FILES.fpm), 'php-fpm-conf');
        assert.deepStrictEqual(findingsOf(FILES.fpm, profile), []);
      });
      it('php.ini-production: nothing', () => {
        assert.strictEqual(languageOf(FILES.production), 'ini');
        assert.deepStrictEqual(findingsOf(FILES.production, profile), []);
      });
      it('php.ini-development: only the memory statistics hint', () => {
        const text = fs.readFileSync(FILES.development, 'utf8');
        const line = text.split('\n').findIndex((l) => /^mysqlnd\.collect_memory_statistics = On/.test(l)) + 1;
        assert.ok(line > 0, 'php.ini-development turns mysqlnd memory statistics on');
        assert.deepStrictEqual(findingsOf(FILES.development, profile), [`${line}:1 mysqlnd-memory-settings information`]);
      });
    });
  }

  it("www.conf's quick fix inserts pm.max_requests after the pool's last pm.* line, and the file is then clean", () => {
    const text = fs.readFileSync(FILES.pool, 'utf8');
    const res = analyze({ path: FILES.pool, text, language: 'php-fpm-conf' }, { profile: 'fpm' });
    const fix = res.findings[0].fixes![0];
    assert.strictEqual(fix.edits[0].newText, '\npm.max_requests = 500');
    const lines = text.split('\n');
    const at = fix.edits[0].range.start;
    assert.match(lines[at.line], /^pm\.max_spare_servers = 3$/);
    const fixed = [...lines.slice(0, at.line + 1), 'pm.max_requests = 500', ...lines.slice(at.line + 1)].join('\n');
    const again = analyze({ path: FILES.pool, text: fixed, language: 'php-fpm-conf' }, { profile: 'fpm' });
    assert.deepStrictEqual(again.findings.map((f) => f.ruleId), []);
  });

  it('a copy of /etc/php/8.2/fpm as a workspace: the scan finds the pool finding only; hovers name the winning file', async () => {
    const dir = makeTempDir('php-leak-debian-');
    try {
      const fpmDir = path.join(dir, 'etc/php/8.2/fpm');
      fs.mkdirSync(path.join(fpmDir, 'pool.d'), { recursive: true });
      fs.mkdirSync(path.join(fpmDir, 'conf.d'), { recursive: true });
      fs.copyFileSync(FILES.pool, path.join(fpmDir, 'pool.d/www.conf'));
      fs.copyFileSync(FILES.fpm, path.join(fpmDir, 'php-fpm.conf'));
      fs.copyFileSync(FILES.production, path.join(fpmDir, 'php.ini'));
      fs.writeFileSync(path.join(fpmDir, 'conf.d/99-memory.ini'), 'memory_limit = 256M\n');
      const ws = new DiskWorkspace({ roots: [dir], include: DEFAULT_SETTINGS.include, exclude: [], maxFileSize: 1e7 });
      const all: string[] = [];
      for (const lang of ['ini', 'php-fpm-conf'] as const) {
        for (const f of ws.files(lang)) all.push(...findingsOf(f, 'fpm', ws).map((x) => `${path.relative(dir, f)} ${x}`));
      }
      assert.deepStrictEqual(all.sort(), ['etc/php/8.2/fpm/pool.d/www.conf 4:1 fpm-max-requests warning']);
      const iniPath = path.join(fpmDir, 'php.ini');
      const iniText = fs.readFileSync(iniPath, 'utf8');
      const line = iniText.split('\n').findIndex((l) => l.startsWith('memory_limit'));
      const md = describeAt({ path: iniPath, text: iniText, language: 'ini' }, { line, character: 2 }, ws) ?? '';
      assert.match(md, /Effective value:\*\* `256M` from `conf\.d\/99-memory\.ini`/);
      assert.match(md, /this file is overridden/);
    } finally {
      removeTempDir(dir);
    }
  });
});
