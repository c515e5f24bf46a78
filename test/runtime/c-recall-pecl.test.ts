// Recall guard on real PECL code: C findings hand-reviewed as real leaks (docs/accuracy.md,
// "Precision at rest (session 3)") in the PECL versions Debian bookworm packages, which the
// upstream versions after them fixed or still contain, must still be reported. Each
// extension is scanned as a folder (its config.m4 makes it the extension's root, so the
// summaries of all its .c files serve), under the default profile, with the bundled CLI.
// The sources are Debian's source packages (apt-get source --download-only, cached).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { findingKeys } from '../support/cli';
import { makeTempDir, removeTempDir } from '../support/fixtures';
import { cacheRoot, debianSourceTarball } from './runtime-php';

const PACKAGES: Array<{ pkg: string; version: string; tar: string; dir: string; real: string[] }> = [
  {
    pkg: 'php-redis',
    version: '5.3.7+4.3.0-3',
    tar: 'php-redis_5.3.7+4.3.0.orig.tar.xz',
    dir: 'redis-5.3.7',
    real: [
      'cluster_library.c:1092 c-request-heap-leak', // cluster_map_keyspace: a failed mapping's slots overwritten
      'library.c:1200 c-refcount-leak', // redis_read_stream_messages…: z_sub_result on the malformed-token return
      'library.c:1252 c-refcount-leak', // the same for the next sub-result
      'library.c:1769 c-request-heap-leak', // an odd-length array ending in an integer keeps the key
      'library.c:1748 c-request-heap-leak', // … or ending in a bulk
      'redis_cluster.c:2075 c-request-heap-leak', // cluster_dist_add_key failure leaks ht_dist
      'redis_session.c:386 c-request-heap-leak', // PS_OPEN: no usable URL leaks the pool
      'cluster_library.c:2678 c-request-heap-leak', // a NULL value read after a key
      'cluster_library.c:2717 c-request-heap-leak', // a NULL read skipped without advancing
    ],
  },
  {
    pkg: 'php-ssh2',
    version: '1.3.1+0.13-7',
    tar: 'php-ssh2_1.3.1+0.13.orig.tar.xz',
    dir: 'ssh2-1.3.1',
    real: [
      'ssh2.c:676 c-request-heap-leak', // auth_pubkey_file: newpath replaces pubkey, never released
      'ssh2.c:683 c-request-heap-leak', // the same for privkey
      'ssh2_fopen_wrappers.c:254 c-request-heap-leak', // a URL without a path leaks php_url_parse's result
    ],
  },
];

describe('C recall on real code: the reviewed real leaks of Debian\'s PECL packages are still reported', function () {
  this.timeout(900_000);
  let tmp: string | undefined;
  const found = new Map<string, Set<string>>();

  before(function () {
    const dir: string = makeTempDir('php-leak-c-recall-pecl-');
    tmp = dir;
    for (const p of PACKAGES) {
      const tar: string = debianSourceTarball(p.pkg, p.version, p.tar, path.join(cacheRoot, 'pecl'), (s) => console.log(`      ${s}`));
      const untar = spawnSync('tar', ['xf', tar, '-C', dir, p.dir], { encoding: 'utf8', timeout: 300_000 });
      assert.equal(untar.status, 0, `tar: ${untar.stderr}`);
      const set = findingKeys(path.join(dir, p.dir), '.');
      found.set(p.pkg, set);
    }
  });

  after(() => removeTempDir(tmp));

  for (const p of PACKAGES) {
    for (const key of p.real) {
      it(`${p.pkg} ${key}`, () => {
        assert.ok(found.get(p.pkg)?.has(key), `not reported: ${p.dir}/${key}`);
      });
    }
  }
});
