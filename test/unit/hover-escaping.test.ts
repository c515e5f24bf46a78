// Workspace values in hovers are shown literally: a configuration value containing a backtick,
// `[`, `]`, `(`, `!` or `<` must not end its code span and become a live image, link or HTML
// in the hover (also in other files' "effective value" lines). One helper, mdCode (text.ts),
// fences every such value; mdText makes a plain message inert when it stands in for a hover.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clip, DEFAULT_SETTINGS, describeAt, DiskWorkspace, mdCode, mdText } from '../../server/src/engine';

// markdown-it: the CommonMark renderer VS Code's hovers use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (opts?: object) => { render(src: string): string };
const md = new MarkdownIt({ html: true, linkify: false });

const HOSTILE = [
  '1`![x](http://evil.example/x.png)`',
  '1` [click](http://evil.example) `',
  '1``<img src=x onerror=alert(1)>``',
  '`<a href="http://evil.example">a</a>`',
  '[a]: http://evil.example',
  '!`[`x`](`y`)',
  '```',
  ' ` ',
  'a\n\n<img src=y>',
];

/** Rendered HTML with no live link, image or element other than the ones Markdown itself makes. */
function assertInert(html: string, what: string): void {
  assert.ok(!/<img\b/i.test(html), `${what}: an image in ${html}`);
  assert.ok(!/<a\b/i.test(html), `${what}: a link in ${html}`);
  const tags = [...html.matchAll(/<\/?([a-z0-9]+)/gi)].map((m) => m[1].toLowerCase());
  for (const t of tags) assert.ok(['p', 'code', 'strong', 'em', 'ul', 'li', 'br', 'hr'].includes(t), `${what}: <${t}> in ${html}`);
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('hover Markdown escaping (mdCode, mdText)', () => {
  it('mdCode shows any value literally in one code span', () => {
    for (const v of HOSTILE) {
      const html = md.render(`Value: ${mdCode(v)}`);
      assertInert(html, JSON.stringify(v));
      const code = [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => decode(m[1]));
      assert.deepEqual(code, [v.replace(/\n/g, ' ')], `${JSON.stringify(v)} -> ${html}`);
    }
  });

  it('mdCode and clip show at most 200 characters of a huge value', () => {
    const big = 'x'.repeat(10_000_000);
    assert.equal(clip(big).length, 201);
    assert.ok(mdCode(big).length < 210);
    assert.equal(clip('short'), 'short');
  });

  it('mdText makes a plain message inert', () => {
    for (const v of HOSTILE) {
      const html = md.render(mdText(`memory_limit = ${v}: no bound`));
      assertInert(html, JSON.stringify(v));
      assert.ok(!/<code>/.test(html), html);
    }
  });

  describe('configuration hovers with a hostile value', () => {
    let dir: string;
    before(() => {
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'php-leak-hover-')));
      const fpm = path.join(dir, '8.2', 'fpm');
      fs.mkdirSync(path.join(fpm, 'pool.d'), { recursive: true });
      fs.writeFileSync(path.join(fpm, 'php.ini'), `[PHP]\nmemory_limit = ${HOSTILE[0]}\n`);
      fs.writeFileSync(path.join(fpm, 'pool.d', 'www.conf'), `[www]\npm.max_requests = 500\nphp_admin_value[memory_limit] = ${HOSTILE[1]}\n`);
      fs.writeFileSync(path.join(dir, '.rr.yaml'), `http:\n  pool:\n    supervisor:\n      max_worker_memory: "${HOSTILE[2].replace(/"/g, '')}"\n`);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const ws = () => new DiskWorkspace({ roots: [dir], include: DEFAULT_SETTINGS.include, exclude: [], maxFileSize: 1e6 });
    const hover = (rel: string, line: number, character: number, language: 'ini' | 'php-fpm-conf' | 'yaml') => {
      const file = path.join(dir, rel);
      return describeAt({ path: file, text: fs.readFileSync(file, 'utf8'), language }, { line, character }, ws()) ?? '';
    };

    it('php.ini: the value in this file and the effective value from the pool are inert', () => {
      const h = hover('8.2/fpm/php.ini', 1, 2, 'ini');
      assert.match(h, /Effective value/);
      assertInert(md.render(h), 'php.ini hover');
    });

    it('the pool file: its own value and php.ini\'s in the "set in" list are inert', () => {
      const h = hover('8.2/fpm/pool.d/www.conf', 2, 20, 'php-fpm-conf');
      assert.match(h, /Set in/);
      assertInert(md.render(h), 'pool hover');
    });

    it('.rr.yaml: the value is inert', () => {
      const h = hover('.rr.yaml', 3, 8, 'yaml');
      assert.match(h, /Value in this file/);
      assertInert(md.render(h), '.rr.yaml hover');
    });
  });
});
