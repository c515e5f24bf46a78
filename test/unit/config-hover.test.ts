// Language detection of configuration files and the key hovers, including the
// effective value when several files of the workspace set a php.ini key.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describeAt, DiskWorkspace, DEFAULT_SETTINGS, languageOf } from '../../server/src/engine';
import { confLanguageFromText } from '../../server/src/engine/language';
import { fixturesDir } from '../support/paths';

const cfg = (rel: string) => path.join(fixturesDir, 'config', rel);

describe('configuration languages', () => {
  const cases: [string, string | undefined, string][] = [
    ['/etc/php/8.2/fpm/pool.d/www.conf', undefined, 'php-fpm-conf'],
    ['/etc/php/8.2/fpm/php.ini', undefined, 'ini'],
    ['/srv/site/.user.ini', undefined, 'ini'],
    ['/srv/app/.rr.yaml', 'yaml', 'yaml'],
    ['/srv/app/.rr.prod.yml', undefined, 'yaml'],
    ['/srv/app/docker-compose.yaml', 'yaml', 'other'],
    ['/srv/app/composer.json', 'json', 'json'],
    ['/srv/app/package.json', 'json', 'other'],
    ['/srv/app/Dockerfile', undefined, 'dockerfile'],
    ['/srv/app/docker/Dockerfile.prod', undefined, 'dockerfile'],
    ['/etc/systemd/system/octane.service', undefined, 'systemd'],
    ['/etc/supervisor/conf.d/octane.conf', 'properties', 'supervisor'],
    ['/etc/supervisord.d/octane.ini', 'ini', 'supervisor'],
    ['/srv/app/docker/supervisord.conf', undefined, 'supervisor'],
    ['/etc/nginx/nginx.conf', undefined, 'other'],
  ];
  for (const [p, id, want] of cases) {
    it(`${p}${id ? ` (${id})` : ''} is ${want}`, () => assert.strictEqual(languageOf(p, id), want));
  }
  it('an unknown .conf is told apart by its content when the text is given', () => {
    assert.strictEqual(languageOf('/srv/app/deploy/worker.conf', undefined, '[program:octane]\ncommand=php artisan octane:start\n'), 'supervisor');
    assert.strictEqual(languageOf('/srv/app/deploy/app.conf', undefined, '[app]\nuser = www-data\npm = ondemand\n'), 'php-fpm-conf');
    assert.strictEqual(confLanguageFromText('server {\n  listen 80;\n}\n'), undefined);
  });
  it('the scan includes the new files by default, and package.json says the same', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(fixturesDir, '..', '..', 'package.json'), 'utf8'));
    assert.deepStrictEqual(pkg.contributes.configuration.properties['phpLeak.include'].default, DEFAULT_SETTINGS.include);
    for (const g of ['**/.rr*.yaml', '**/*.service', '**/Dockerfile', '**/composer.json']) assert.ok(DEFAULT_SETTINGS.include.includes(g), g);
  });
});

describe('configuration hovers', () => {
  const etc = cfg('etc-php');
  const ws = new DiskWorkspace({ roots: [etc], include: DEFAULT_SETTINGS.include, exclude: [], maxFileSize: 1e7 });
  const hover = (file: string, line: number, character: number, language: 'ini' | 'php-fpm-conf' | 'yaml' | 'php', withWs = true) =>
    describeAt({ path: file, text: fs.readFileSync(file, 'utf8'), language }, { line, character }, withWs ? ws : undefined) ?? '';

  it('memory_limit in php.ini: overridden by conf.d and the pool; the admin value wins', () => {
    const md = hover(path.join(etc, '8.2/fpm/php.ini'), 1, 2, 'ini');
    assert.match(md, /\*\*Bounds:\*\*.*ONE request/);
    assert.match(md, /Effective value:\*\* `512M` from `pool\.d\/www\.conf` line 11 \(pool php_admin_value \(cannot be overridden\)\) — this file is overridden/);
    assert.match(md, /- `php\.ini` line 2: `128M`[\s\S]*- `conf\.d\/99-app\.ini` line 2: `256M`[\s\S]*- `pool\.d\/www\.conf` line 11: `512M`/);
    assert.ok(!md.includes('cli/php.ini'), 'the CLI stack is another SAPI');
  });
  it('the pool file says it wins', () => {
    const md = hover(path.join(etc, '8.2/fpm/pool.d/www.conf'), 10, 20, 'php-fpm-conf');
    assert.match(md, /this file wins/);
  });
  it('without a workspace, only this file', () => {
    const md = hover(path.join(etc, '8.2/fpm/php.ini'), 1, 2, 'ini', false);
    assert.match(md, /Value in this file: `128M`/);
    assert.ok(!md.includes('Effective value'));
  });
  it('a php.ini-production template says PHP never reads it', () => {
    const md = describeAt({ path: '/usr/lib/php/8.2/php.ini-production', text: 'memory_limit = 128M\n', language: 'ini' }, { line: 0, character: 1 }, ws) ?? '';
    assert.match(md, /template PHP never reads/);
  });
  it('.rr.yaml pool keys', () => {
    const md = hover(cfg('roadrunner/.rr.yaml'), 23, 10, 'yaml', false);
    assert.match(md, /max_worker_memory.*RoadRunner worker pool/);
    assert.match(md, /In `jobs\.pool`/);
    assert.strictEqual(hover(cfg('roadrunner/.rr.yaml'), 10, 4, 'yaml', false), '', 'http.address is not a memory key');
  });
  it('Swoole set() keys, Hyperf Constant keys, webman monitor and server keys', () => {
    assert.match(hover(cfg('swoole/base.php'), 4, 8, 'php', false), /\*\*`max_request`\*\* \(Swoole server settings/);
    assert.match(hover(cfg('hyperf/config/autoload/server.php'), 27, 20, 'php', false), /max_coroutine/);
    assert.match(hover(cfg('webman/config/process.php'), 25, 20, 'php', false), /enable_memory_monitor[\s\S]*80 %/);
    assert.match(hover(cfg('webman/config/server.php'), 7, 6, 'php', false), /\*\*`count`\*\*/);
  });
});
