// What a hover reads like: no bare-host links (`www.conf` is not http://www.conf), the
// profile named as the status bar names it (`php-fpm`), and no `php-fpm (php-fpm (…))`.
import * as assert from 'assert';

interface MdToken {
  type: string;
  markup: string;
  content: string;
  children: MdToken[] | null;
  attrGet(name: string): string | null;
}
// markdown-it ships no types here; the two calls this test makes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (o: object) => { core: { ruler: { disable(name: string): void } }; parse(src: string, env: object): MdToken[] };
import { composeHover, containsPosition, describeAt, detectProfile, escapeBareHosts, profileDisplayName, profileHoverLine } from '../../server/src/engine';
import { fixtureRuns } from './fixture-findings';

/**
 * The links a renderer would make up from plain text: GFM's `www.` autolinks (VS Code's
 * hover renderer makes one wherever `www.` appears in text, after a `/` too) and linkify's
 * fuzzy host names (`memory.so`). Code spans, code blocks and written links are fine.
 */
export function bareHostLinks(markdown: string): string[] {
  const md = new MarkdownIt({ linkify: true });
  md.core.ruler.disable('text_join'); // keep `www\.` escapes as their own tokens
  const out: string[] = [];
  for (const block of md.parse(markdown, {})) {
    let inLink = 0;
    for (const t of block.children ?? []) {
      if (t.type === 'link_open') {
        if (t.markup === 'linkify') out.push(t.attrGet('href') ?? '?');
        inLink++;
      } else if (t.type === 'link_close') inLink--;
      else if (t.type === 'text' && !inLink) {
        for (const m of t.content.matchAll(/www\.[\w-]/gi)) out.push(`www autolink in "${t.content.slice(Math.max(0, m.index! - 20), m.index! + 20)}"`);
      }
    }
  }
  return out;
}

describe('hover text', () => {
  it('the checker sees the links a renderer would make (so a pass means something)', () => {
    assert.deepStrictEqual(bareHostLinks('pool configuration php-fpm.d/www.conf found').length, 1);
    assert.deepStrictEqual(bareHostLinks('see www.conf').length, 1);
    assert.deepStrictEqual(bareHostLinks('loads memory.so').length, 1);
    assert.deepStrictEqual(bareHostLinks('pool configuration `php-fpm.d/www.conf` found'), []);
    assert.deepStrictEqual(bareHostLinks('```ini\n; www.conf\n```'), []);
    assert.deepStrictEqual(bareHostLinks('[the manual](https://www.php.net/manual)'), []);
  });

  it('escapeBareHosts escapes www. in text only (code spans, code blocks and URLs stay)', () => {
    assert.strictEqual(escapeBareHosts('php-fpm.d/www.conf and www.conf'), 'php-fpm.d/www\\.conf and www\\.conf');
    assert.strictEqual(escapeBareHosts('`www.conf` ```\nwww.conf\n``` https://www.php.net/x [m](https://www.php.net/y)'), '`www.conf` ```\nwww.conf\n``` https://www.php.net/x [m](https://www.php.net/y)');
    assert.deepStrictEqual(bareHostLinks(escapeBareHosts('in php-fpm.d/www.conf')), []);
  });

  it('profiles are named php-fpm / long-running, the names of the status bar', () => {
    assert.strictEqual(profileDisplayName('fpm'), 'php-fpm');
    assert.strictEqual(profileDisplayName('long-running'), 'long-running');
  });

  it('a pool file decision reads "php-fpm (pool configuration `…/www.conf` found)": no repeated profile, no link', () => {
    const files = new Map([['/w/php-fpm.d/www.conf', '[www]\n']]);
    const ws = {
      files: (lang?: string) => (lang === undefined || lang === 'php-fpm-conf' ? [...files.keys()] : []),
      read: (p: string) => files.get(p),
      shared: <T>(_k: string, f: () => T) => f(),
      fileFact: <T>(_k: string, file: string, f: (text: string, file: string) => T) => f(files.get(file) ?? '', file),
    };
    const d = detectProfile('auto', '/w', '/w', () => undefined, ws as never);
    assert.strictEqual(d.profile, 'fpm');
    const line = profileHoverLine(d);
    assert.strictEqual(line, 'Runtime profile: **php-fpm** (pool configuration `php-fpm.d/www.conf` found)');
    assert.doesNotMatch(line, /php-fpm \(php-fpm/);
    assert.deepStrictEqual(bareHostLinks(line), []);
  });

  it('every hover on the fixtures and the demo, both profiles: no bare-host link, no "php-fpm (php-fpm", the profile as php-fpm', async function () {
    this.timeout(120_000);
    const runs = await fixtureRuns();
    let hovers = 0;
    const bad: string[] = [];
    for (const run of runs) {
      const lines = run.doc.text.split('\n');
      const positions = new Map<string, { line: number; character: number }>();
      for (const f of run.findings) positions.set(`${f.range.start.line}:${f.range.start.character}`, f.range.start);
      // Config keys (and PHP containers) are described where no finding is: the first word of each line.
      lines.forEach((l, i) => {
        const c = l.search(/\S/);
        if (c >= 0) positions.set(`${i}:${c}`, { line: i, character: c });
      });
      for (const pos of positions.values()) {
        const hits = run.findings.filter((f) => containsPosition(f.range, pos));
        const described = hits.some((f) => f.hover) ? undefined : describeAt(run.doc, pos, run.workspace);
        const md = composeHover(hits, described, run.decision);
        if (!md) continue;
        hovers++;
        const where = `${run.doc.path}:${pos.line + 1} (${run.profile})`;
        for (const l of bareHostLinks(md)) bad.push(`${where}: ${l}`);
        if (/php-fpm \(php-fpm/.test(md)) bad.push(`${where}: "php-fpm (php-fpm"`);
        if (/\*\*Profile:\*\* `fpm`|\*\*Profile: fpm\*\*|profile `fpm`/.test(md)) bad.push(`${where}: profile named \`fpm\``);
        if (run.profile === 'fpm' && hits.some((f) => f.ruleId.startsWith('c-')) && !/\*\*Profile:\*\* `php-fpm`|profile `php-fpm`/.test(md)) {
          bad.push(`${where}: a C finding's hover without the php-fpm profile`);
        }
      }
    }
    assert.ok(hovers > 100, `only ${hovers} hovers`);
    assert.deepStrictEqual(bad, []);
  });
});
