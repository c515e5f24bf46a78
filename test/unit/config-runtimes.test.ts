// The configuration rules of long-running runtimes and the new php.ini rules,
// on real-looking files (ESLint-style cases; workspace cases on test/fixtures/config).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyze, DiskWorkspace, DEFAULT_SETTINGS, initEngine, walkFiles, type Finding } from '../../server/src/engine';
import iniMemoryLimitHigh from '../../server/src/engine/rules/ini-memory-limit-high';
import iniGcDisabled from '../../server/src/engine/rules/ini-gc-disabled';
import mysqlndMemorySettings from '../../server/src/engine/rules/mysqlnd-memory-settings';
import rrRecycling from '../../server/src/engine/rules/rr-worker-recycling-missing';
import rrMemory from '../../server/src/engine/rules/rr-worker-memory-above-limit';
import swooleMissing from '../../server/src/engine/rules/swoole-max-request-missing';
import swooleIneffective from '../../server/src/engine/rules/swoole-max-request-ineffective';
import webmanOff from '../../server/src/engine/rules/webman-memory-monitor-off';
import octaneZero from '../../server/src/engine/rules/octane-max-requests-disabled';
import { fixturesDir } from '../support/paths';
import { ruleTester } from './rule-tester';

ruleTester(
  iniMemoryLimitHigh,
  {
    valid: [{ code: 'memory_limit = 2G\n' }, { code: 'memory_limit = 512M\n' }, { code: 'memory_limit = -1\n', name: '-1 is ini-memory-limit-unbounded' }],
    invalid: [
      {
        code: '[PHP]\nmemory_limit = 4G\n',
        errors: [{ line: 2, column: 1, endColumn: 18, message: '4 GB', severity: 'information' }],
        output: '[PHP]\nmemory_limit = 512M\n',
      },
      {
        name: 'a pool: the worst case is pm.max_children times the limit',
        language: 'php-fpm-conf',
        code: '[www]\npm = static\npm.max_children = 20\npm.max_requests = 500\nphp_admin_value[memory_limit] = 3072M\n',
        errors: [{ line: 5, column: 1, message: 'pm.max_children = 20, the pool may take 60 GB' }],
        output: '[www]\npm = static\npm.max_children = 20\npm.max_requests = 500\nphp_admin_value[memory_limit] = 512M\n',
      },
    ],
  },
  { language: 'ini', path: '/etc/php/8.2/fpm/php.ini' },
);

ruleTester(
  iniGcDisabled,
  {
    valid: [
      { code: 'zend.enable_gc = On\n', profile: 'long-running' },
      { code: 'zend.enable_gc = Off\n', profile: 'fpm', name: 'under php-fpm the request ends: off by default' },
    ],
    invalid: [
      {
        code: '[PHP]\nzend.enable_gc = Off\n',
        profile: 'long-running',
        errors: [{ line: 2, column: 1, endColumn: 21, message: 'cycle collector is off', severity: 'warning' }],
        output: '[PHP]\nzend.enable_gc = On\n',
      },
      {
        code: '[www]\npm.max_requests = 100\nphp_admin_flag[zend.enable_gc] = off\n',
        language: 'php-fpm-conf',
        profile: 'long-running',
        errors: [{ line: 3, column: 1 }],
        output: '[www]\npm.max_requests = 100\nphp_admin_flag[zend.enable_gc] = on\n',
      },
    ],
  },
  { language: 'ini', path: '/etc/php/8.2/cli/php.ini' },
);

ruleTester(
  mysqlndMemorySettings,
  {
    valid: [{ code: '[mysqlnd]\nmysqlnd.collect_statistics = On\nmysqlnd.collect_memory_statistics = Off\n' }, { code: 'mysqlnd.fetch_data_copy = 1\n' }],
    invalid: [
      {
        name: "php.ini-development's setting",
        code: '[mysqlnd]\nmysqlnd.collect_memory_statistics = On\n',
        errors: [{ line: 2, column: 1, message: 'a cost on every query in production', severity: 'information' }],
        output: '[mysqlnd]\nmysqlnd.collect_memory_statistics = Off\n',
      },
      {
        code: 'mysqlnd.fetch_data_copy = 0\n',
        errors: [{ line: 1, column: 1, message: 'lower peak', severity: 'hint' }],
        output: 'mysqlnd.fetch_data_copy = 1\n',
      },
    ],
  },
  { language: 'ini', path: '/etc/php/8.2/fpm/conf.d/10-mysqlnd.ini' },
);

const RR_HEAD = 'version: "3"\nserver:\n  command: "php worker.php"\n';
ruleTester(
  rrRecycling,
  {
    valid: [
      { code: `${RR_HEAD}http:\n  address: 0.0.0.0:8080\n  pool:\n    num_workers: 4\n    max_jobs: 1000\n` },
      { code: `${RR_HEAD}http:\n  pool:\n    supervisor:\n      max_worker_memory: 128\n` },
      { code: `${RR_HEAD}http:\n  pool:\n    supervisor:\n      ttl: 1h\n` },
      { code: `${RR_HEAD}http:\n  pool:\n    max_jobs: \${RR_MAX_JOBS}\n`, name: 'from the environment: taken as set' },
      { code: `${RR_HEAD}http:\n  pool:\n    debug: true\n`, name: 'debug: a fresh worker per job' },
      { code: 'server:\n  command: "php artisan octane:start"\nhttp:\n  address: :8000\n', name: 'Octane passes -o http.pool.max_jobs itself' },
      { code: 'rpc:\n  listen: tcp://127.0.0.1:6001\n', name: 'no worker plugin' },
    ],
    invalid: [
      {
        name: 'a pool without any bound: max_jobs appended with the pool indentation',
        code: `${RR_HEAD}http:\n  address: 0.0.0.0:8080\n  pool:\n    num_workers: 4 # per CPU\n    allocate_timeout: 60s\n\nlogs:\n  level: error\n`,
        errors: [{ line: 6, column: 3, endColumn: 7, message: 'http.pool never recycles' }],
        output: `${RR_HEAD}http:\n  address: 0.0.0.0:8080\n  pool:\n    num_workers: 4 # per CPU\n    allocate_timeout: 60s\n    max_jobs: 500\n\nlogs:\n  level: error\n`,
      },
      {
        name: 'explicit max_jobs: 0',
        code: `${RR_HEAD}http:\n  pool:\n    max_jobs: 0\n`,
        errors: [{ line: 6, column: 5, message: 'max_jobs: 0' }],
        output: `${RR_HEAD}http:\n  pool:\n    max_jobs: 500\n`,
      },
      {
        name: 'no pool at all: a pool is added',
        code: `${RR_HEAD}http:\n    address: :8080\njobs:\n    consume: ["a"]\n    pool:\n        max_jobs: 100\n`,
        errors: [{ line: 4, column: 1, message: 'http.pool' }],
        output: `${RR_HEAD}http:\n    address: :8080\n    pool:\n        max_jobs: 500\njobs:\n    consume: ["a"]\n    pool:\n        max_jobs: 100\n`,
      },
    ],
  },
  { language: 'yaml', path: '/srv/app/.rr.yaml' },
);

ruleTester(
  rrMemory,
  {
    valid: [
      { code: 'server:\n  command: "php -d memory_limit=512M worker.php"\nhttp:\n  pool:\n    supervisor:\n      max_worker_memory: 400\n' },
      { code: 'http:\n  pool:\n    supervisor:\n      max_worker_memory: 400\n', name: 'no php.ini and no -d: nothing to compare with' },
    ],
    invalid: [
      {
        code: 'server:\n  command: "php -d memory_limit=256M worker.php"\nhttp:\n  pool:\n    supervisor:\n      max_worker_memory: 256\n',
        errors: [{ line: 6, column: 7, message: 'not below PHP\'s memory_limit (256M' }],
        output: 'server:\n  command: "php -d memory_limit=256M worker.php"\nhttp:\n  pool:\n    supervisor:\n      max_worker_memory: 204\n',
      },
    ],
  },
  { language: 'yaml', path: '/srv/app/.rr.yaml' },
);

ruleTester(
  swooleMissing,
  {
    valid: [
      { code: "<?php\n$s = new Swoole\\Http\\Server('0.0.0.0', 9501);\n$s->set(['worker_num' => 4, 'max_request' => 10000]);\n" },
      { code: "<?php\nuse Swoole\\Constant;\n$s = new \\Swoole\\Server('0.0.0.0', 9501);\n$s->set([Constant::OPTION_MAX_REQUEST => 5000]);\n", name: 'Swoole\\Constant key' },
      { code: "<?php\n$s = new Swoole\\Http\\Server('0.0.0.0', 9501, SWOOLE_BASE);\n$s->set(['worker_num' => 4]);\n", name: 'BASE mode: no manager to rely on' },
      { code: "<?php\n$s = new Swoole\\Http\\Server('0.0.0.0', 9501);\n$s->set(['max_request' => $config['max']]);\n", name: 'an expression is taken as set' },
      { code: "<?php\n$client = new Swoole\\Client(SWOOLE_SOCK_TCP);\n$client->set(['open_eof_check' => true]);\n", name: 'a client, not a server' },
    ],
    invalid: [
      {
        code: "<?php\n$http = new Swoole\\Http\\Server('0.0.0.0', 9501, SWOOLE_PROCESS);\n$http->set([\n    'worker_num' => 4,\n    'daemonize' => false,\n]);\n",
        errors: [{ line: 2, column: 9, message: 'never recycles its workers' }],
        output: "<?php\n$http = new Swoole\\Http\\Server('0.0.0.0', 9501, SWOOLE_PROCESS);\n$http->set([\n    'worker_num' => 4,\n    'daemonize' => false,\n    'max_request' => 10000,\n]);\n",
      },
      {
        name: 'no trailing comma; $this->server',
        code: "<?php\nclass App {\n    public function run() {\n        $this->server = new \\Swoole\\WebSocket\\Server('0.0.0.0', 9502);\n        $this->server->set([\n            'worker_num' => 2\n        ]);\n    }\n}\n",
        errors: [{ line: 4, column: 25 }],
        output: "<?php\nclass App {\n    public function run() {\n        $this->server = new \\Swoole\\WebSocket\\Server('0.0.0.0', 9502);\n        $this->server->set([\n            'worker_num' => 2,\n            'max_request' => 10000\n        ]);\n    }\n}\n",
      },
      {
        code: "<?php\n$s = new swoole_server('127.0.0.1', 9501);\n$s->set(['max_request' => 0]);\n",
        errors: [{ line: 3, column: 27, message: 'max_request = 0' }],
        output: "<?php\n$s = new swoole_server('127.0.0.1', 9501);\n$s->set(['max_request' => 10000]);\n",
      },
    ],
  },
  { language: 'php', path: '/srv/app/server.php' },
);

ruleTester(
  swooleIneffective,
  {
    valid: [{ code: "<?php\n$s = new Swoole\\Http\\Server('0.0.0.0', 9501, SWOOLE_PROCESS);\n$s->set(['max_request' => 1000]);\n" }],
    invalid: [
      {
        code: "<?php\n$s = new Swoole\\Http\\Server('0.0.0.0', 9501, SWOOLE_BASE);\n$s->set(['max_request' => 1000]);\n",
        errors: [{ line: 3, column: 27, endColumn: 31, message: 'SWOOLE_BASE', severity: 'information' }],
      },
      {
        code: "<?php\nCo\\run(function () {\n    $s = new Swoole\\Coroutine\\Http\\Server('127.0.0.1', 9502);\n    $s->set(['max_request' => 100]);\n});\n",
        errors: [{ line: 4, column: 31, message: 'coroutine server', severity: 'warning' }],
      },
    ],
  },
  { language: 'php', path: '/srv/app/server.php' },
);

ruleTester(
  webmanOff,
  {
    valid: [
      { code: "<?php\nreturn [\n    'monitor' => [\n        'handler' => process\\Monitor::class,\n        'constructor' => ['options' => ['enable_memory_monitor' => DIRECTORY_SEPARATOR === '/']],\n    ],\n];\n" },
      { code: "<?php\nreturn ['name' => 'x'];\n", name: 'not a webman file' },
    ],
    invalid: [
      {
        code: "<?php\nreturn [\n    'monitor' => [\n        'handler' => process\\Monitor::class,\n        'constructor' => [\n            'options' => [\n                'enable_memory_monitor' => false,\n            ],\n        ],\n    ],\n];\n",
        errors: [{ line: 7, column: 17, message: "'enable_memory_monitor' => false" }],
        output: "<?php\nreturn [\n    'monitor' => [\n        'handler' => process\\Monitor::class,\n        'constructor' => [\n            'options' => [\n                'enable_memory_monitor' => true,\n            ],\n        ],\n    ],\n];\n",
      },
      {
        name: 'the monitor process removed',
        code: "<?php\nreturn [\n    'websocket' => [\n        'handler' => app\\process\\Pusher::class,\n        'listen' => 'websocket://0.0.0.0:8888',\n    ],\n];\n",
        errors: [{ line: 2, column: 1, endColumn: 7, message: 'no monitor process' }],
      },
    ],
  },
  { language: 'php', path: '/srv/webman/config/process.php' },
);

ruleTester(
  octaneZero,
  {
    valid: [
      { code: '[program:octane]\ncommand=php artisan octane:start --server=swoole\n', name: "no option: Octane's default 500" },
      { code: '[program:octane]\n;command=php artisan octane:start --max-requests=0\ncommand=php artisan octane:start --max-requests=1000\n' },
      // What the old text matching got wrong (it found `--max-requests=0` anywhere after `octane:start` on the logical line):
      { name: 'supervisor: an inline comment (configparser `;` after whitespace)', code: '[program:octane]\ncommand=php artisan octane:start ; --max-requests=0\n' },
      { name: 'supervisor: not the command of a program', code: '[program:octane]\ncommand=php artisan octane:start\nenvironment=NOTE="php artisan octane:start --max-requests=0"\n' },
      { name: 'supervisor: the option belongs to another command of the sh -c script', code: '[program:octane]\ncommand=sh -c "php artisan octane:start && ./report --max-requests=0"\n' },
      { name: 'supervisor: a different Artisan command', code: '[program:queue]\ncommand=php artisan queue:work --max-jobs=0 ; octane:start --max-requests=0\n' },
      {
        name: 'systemd: a comment line inside a continuation is skipped',
        language: 'systemd',
        code: '[Service]\nExecStart=/usr/bin/php artisan octane:start \\\n# --max-requests=0\n    --workers=4\n',
      },
      { name: 'systemd: not ExecStart of [Service]', language: 'systemd', code: '[Unit]\nDescription=php artisan octane:start --max-requests=0\n[Service]\nExecStart=/usr/bin/php artisan octane:start\n' },
      { name: 'Dockerfile: a LABEL and a comment are not commands', language: 'dockerfile', code: 'FROM php:8.3-cli\nLABEL run="php artisan octane:start --max-requests=0"\n# CMD php artisan octane:start --max-requests=0\nCMD php artisan octane:start\n' },
      { name: 'Dockerfile: the option of another command of a RUN', language: 'dockerfile', code: 'FROM php:8.3-cli\nRUN php artisan octane:start --watch & echo "--max-requests=0"\n' },
      {
        name: 'composer.json: outside the scripts',
        language: 'json',
        code: '{\n  "description": "php artisan octane:start --max-requests=0",\n  "scripts": { "serve": "php artisan octane:start" }\n}\n',
      },
    ],
    invalid: [
      {
        code: '[program:octane]\ncommand=php /var/www/artisan octane:start --server=swoole --max-requests=0 --workers=4\nautorestart=true\n',
        errors: [{ line: 2, column: 74, endColumn: 75, message: '--max-requests=0' }],
        output: '[program:octane]\ncommand=php /var/www/artisan octane:start --server=swoole --max-requests=500 --workers=4\nautorestart=true\n',
      },
      {
        name: 'Dockerfile exec form',
        language: 'dockerfile',
        code: 'FROM php:8.3-cli\nCMD ["php", "artisan", "octane:start", "--max-requests", "0"]\n',
        errors: [{ line: 2, column: 59 }],
        output: 'FROM php:8.3-cli\nCMD ["php", "artisan", "octane:start", "--max-requests", "500"]\n',
      },
      {
        name: 'systemd continuation lines',
        language: 'systemd',
        code: '[Service]\nExecStart=/usr/bin/php artisan octane:roadrunner \\\n    --max-requests=0\n',
        errors: [{ line: 3, column: 20 }],
        output: '[Service]\nExecStart=/usr/bin/php artisan octane:roadrunner \\\n    --max-requests=500\n',
      },
      {
        name: 'supervisor: configparser continuation line (indented)',
        code: '[program:octane]\ncommand=php artisan octane:start\n    --max-requests=0\n',
        errors: [{ line: 3, column: 20, endColumn: 21 }],
        output: '[program:octane]\ncommand=php artisan octane:start\n    --max-requests=500\n',
      },
      {
        name: 'supervisor: the script of bash -c, quoted',
        code: "[program:octane]\ncommand=bash -c 'cd /app && exec php artisan octane:start --max-requests 0'\n",
        errors: [{ line: 2, column: 74, endColumn: 75 }],
        output: "[program:octane]\ncommand=bash -c 'cd /app && exec php artisan octane:start --max-requests 500'\n",
      },
      {
        name: 'systemd: prefixes, a quoted word, and a comment line inside the continuation',
        language: 'systemd',
        code: '[Service]\nExecStart=-@/usr/bin/php php artisan octane:frankenphp \\\n; comment\n    "--max-requests=0"\n',
        errors: [{ line: 4, column: 21, endColumn: 22 }],
        output: '[Service]\nExecStart=-@/usr/bin/php php artisan octane:frankenphp \\\n; comment\n    "--max-requests=500"\n',
      },
      {
        name: 'Dockerfile: shell-form RUN over continuation lines with a comment line between',
        language: 'dockerfile',
        code: 'FROM php:8.3-cli\nRUN composer install \\\n # boot it\n && php artisan octane:start \\\n      --max-requests=0\n',
        errors: [{ line: 5, column: 22, endColumn: 23 }],
        output: 'FROM php:8.3-cli\nRUN composer install \\\n # boot it\n && php artisan octane:start \\\n      --max-requests=500\n',
      },
      {
        name: 'Dockerfile: exec-form CMD after an exec-form ENTRYPOINT',
        language: 'dockerfile',
        code: 'FROM php:8.3-cli\nENTRYPOINT ["php", "artisan"]\nCMD ["octane:start", "--max-requests=0"]\n',
        errors: [{ line: 3, column: 38, endColumn: 39 }],
        output: 'FROM php:8.3-cli\nENTRYPOINT ["php", "artisan"]\nCMD ["octane:start", "--max-requests=500"]\n',
      },
      {
        name: 'Dockerfile: a RUN here-document',
        language: 'dockerfile',
        code: 'FROM php:8.3-cli\nRUN <<EOF\nphp artisan octane:start --max-requests=0 &\nEOF\n',
        errors: [{ line: 3, column: 41, endColumn: 42 }],
        output: 'FROM php:8.3-cli\nRUN <<EOF\nphp artisan octane:start --max-requests=500 &\nEOF\n',
      },
      {
        name: 'composer.json: escapes before the option, and a list of commands',
        language: 'json',
        code: '{\n  "scripts": {\n    "serve": ["@php artisan optimize", "@php artisan octane:start --host=\\"0.0.0.0\\" --max-requests 0"]\n  }\n}\n',
        errors: [{ line: 3, column: 101, endColumn: 102 }],
        output: '{\n  "scripts": {\n    "serve": ["@php artisan optimize", "@php artisan octane:start --host=\\"0.0.0.0\\" --max-requests 500"]\n  }\n}\n',
      },
    ],
  },
  { language: 'supervisor', path: '/etc/supervisor/conf.d/octane.conf' },
);

/** Analyses every file of a fixture app with a workspace over it. */
async function scanApp(app: string, profile: 'fpm' | 'long-running' = 'long-running'): Promise<string[]> {
  const root = path.join(fixturesDir, 'config', app);
  const opts = { include: DEFAULT_SETTINGS.include, exclude: [], maxFileSize: 1e7 };
  const ws = new DiskWorkspace({ roots: [root], ...opts });
  const out: string[] = [];
  for await (const f of walkFiles(root, opts)) {
    const res = analyze({ path: f.path, text: fs.readFileSync(f.path, 'utf8'), language: f.language }, { profile, workspace: ws });
    assert.deepStrictEqual(res.failures, []);
    const rel = path.relative(root, f.path).split(path.sep).join('/');
    out.push(...res.findings.map((x: Finding) => `${rel}:${x.range.start.line + 1}:${x.range.start.character + 1} ${x.ruleId}`));
  }
  return out.sort();
}

describe('configuration fixtures (test/fixtures/config), whole apps with their workspace', () => {
  before(() => initEngine());
  it('roadrunner: the unbounded http pool, and the jobs pool whose max_worker_memory is above php.ini', async () => {
    assert.deepStrictEqual(await scanApp('roadrunner'), ['.rr.yaml:13:3 rr-worker-recycling-missing', '.rr.yaml:24:7 rr-worker-memory-above-limit']);
  });
  it('swoole: process server without max_request; BASE and coroutine servers with an ineffective one', async () => {
    assert.deepStrictEqual(await scanApp('swoole'), ['base.php:5:22 swoole-max-request-ineffective', 'coroutine.php:7:36 swoole-max-request-ineffective', 'server.php:6:9 swoole-max-request-missing']);
  });
  it("hyperf: the skeleton's settings without max_request", async () => {
    assert.deepStrictEqual(await scanApp('hyperf'), ['config/autoload/server.php:23:5 swoole-max-request-missing']);
  });
  it("webman: the monitor is on, but the CLI php.ini's memory_limit = -1 leaves it nothing to check", async () => {
    assert.deepStrictEqual(await scanApp('webman'), ['config/process.php:24:13 webman-monitor-memory-limit-unbounded', 'php/cli/php.ini:3:1 ini-memory-limit-unbounded']);
  });
  it('octane: --max-requests=0 in supervisord, Dockerfile, systemd and composer.json; the bounded script is fine', async () => {
    assert.deepStrictEqual(await scanApp('octane'), [
      'Dockerfile:6:96 octane-max-requests-disabled',
      'composer.json:9:67 octane-max-requests-disabled',
      'deploy/octane.service:9:49 octane-max-requests-disabled',
      'docker/supervisord.conf:7:118 octane-max-requests-disabled',
    ]);
  });
  it('etc-php: only the CLI -1 and the statistics hint (the pool is bounded)', async () => {
    assert.deepStrictEqual(await scanApp('etc-php', 'fpm'), ['8.2/cli/php.ini:2:1 ini-memory-limit-unbounded', '8.2/fpm/conf.d/20-mysqlnd.ini:2:1 mysqlnd-memory-settings']);
  });
});
