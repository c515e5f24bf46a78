import { parseDockerfile, execFormWords } from '../config/dockerfile';
import { parseIni, type IniEntry } from '../config/ini';
import { jsonMember, parseJson } from '../config/json';
import { joinMapped, mappedOf, mappedSlice, simpleCommands, splitShellWords, wordText, type MappedText, type ShellWord } from '../config/shellwords';
import type { RawFinding, Rule, RuleContext } from '../types';

/** Octane's own default for --max-requests (octane:start, octane:swoole, octane:roadrunner, octane:frankenphp). */
export const OCTANE_DEFAULT_MAX_REQUESTS = 500;

export interface OctaneCommand {
  /** Offset of `octane:start` (or octane:swoole …). */
  start: number;
  end: number;
  /** The --max-requests value and its offsets, when given. */
  maxRequests?: { value: string; start: number; end: number };
}

const OCTANE_COMMAND = new Set(['octane:start', 'octane:swoole', 'octane:roadrunner', 'octane:frankenphp']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'su']);

const baseName = (w: ShellWord) => w.value.slice(w.value.lastIndexOf('/') + 1);

/** [start, end) document offsets of `w.value.slice(from)`. */
function valueRange(w: ShellWord, from: number): { start: number; end: number } {
  return { start: w.offsets[from], end: w.offsets[w.value.length - 1] + 1 };
}

/**
 * The Octane start commands among the words of one simple command: an
 * `artisan` word (`artisan`, `/var/www/artisan`, `./artisan`) whose Artisan
 * command (its first non-option word) is octane:start (or swoole, roadrunner,
 * frankenphp), with the --max-requests value when given (`--max-requests=N`,
 * `--max-requests N`). The script of `sh -c '…'` (bash, su …) is read too.
 */
function octaneIn(words: ShellWord[], out: OctaneCommand[], depth = 0): void {
  if (depth > 4) return;
  // `bash -c 'php artisan …'`, `su www-data -c '…'`, `bash -lc '…'`
  if (words.length && SHELLS.has(baseName(words[0]))) {
    for (let i = 1; i + 1 < words.length; i++) {
      if (/^-[a-zA-Z]*c$/.test(words[i].value)) {
        for (const cmd of simpleCommands(splitShellWords(wordText(words[i + 1])))) octaneIn(cmd, out, depth + 1);
        return;
      }
    }
  }
  const artisan = words.findIndex((w) => baseName(w) === 'artisan');
  if (artisan < 0) return;
  let c = artisan + 1;
  while (c < words.length && words[c].value.startsWith('-')) c++;
  const command = words[c];
  if (!command || !OCTANE_COMMAND.has(command.value)) return;
  const found: OctaneCommand = { start: command.start, end: words[words.length - 1].end };
  for (let i = c + 1; i < words.length; i++) {
    const w = words[i];
    if (w.value === '--') break;
    if (w.value.startsWith('--max-requests=') && w.value.length > '--max-requests='.length) {
      const r = valueRange(w, '--max-requests='.length);
      found.maxRequests = { value: w.value.slice('--max-requests='.length), ...r };
    } else if (w.value === '--max-requests' && words[i + 1] && words[i + 1].value !== '') {
      const v = words[i + 1];
      found.maxRequests = { value: v.value, ...valueRange(v, 0) };
      i++;
    }
  }
  out.push(found);
}

function inShell(line: MappedText, out: OctaneCommand[]): void {
  for (const cmd of simpleCommands(splitShellWords(line))) octaneIn(cmd, out);
}

/** An INI entry's value (its parts over continuation lines) as a MappedText. */
function entryText(text: string, e: IniEntry): MappedText {
  return joinMapped((e.parts ?? [{ start: e.valueStart, end: e.valueEnd }]).map((p) => mappedSlice(text, p.start, p.end)), ' ');
}

/** supervisor: `command=` of `[program:x]` / `[fcgi-program:x]` (configparser: indented continuation lines, inline `;`/`#` comments). */
function supervisorCommands(text: string, out: OctaneCommand[]): void {
  for (const e of parseIni(text, { continuation: 'indent', inlineComments: 'whitespace' }).entries) {
    if (e.key.toLowerCase() !== 'command' || !/^(program|fcgi-program):/.test(e.section ?? '')) continue;
    inShell(entryText(text, e), out);
  }
}

/** systemd: `ExecStart=` of `[Service]` (`\` continuation lines; `-`, `@`, `:`, `+`, `!` prefixes). */
function systemdCommands(text: string, out: OctaneCommand[]): void {
  for (const e of parseIni(text, { continuation: 'backslash', inlineComments: 'none' }).entries) {
    if (e.section !== 'Service' || e.key !== 'ExecStart') continue;
    const line = entryText(text, e);
    let p = 0;
    while (p < line.text.length && '-@:+!'.includes(line.text[p])) p++;
    inShell({ text: line.text.slice(p), offsets: line.offsets.slice(p) }, out);
  }
}

/** Dockerfile: `RUN`, `CMD`, `ENTRYPOINT`, shell and exec form; an exec-form CMD runs after an exec-form ENTRYPOINT of its stage. */
function dockerfileCommands(text: string, out: OctaneCommand[]): void {
  let entrypoint: ShellWord[] | undefined;
  for (const ins of parseDockerfile(text).instructions) {
    if (ins.keyword === 'FROM') entrypoint = undefined;
    if (ins.keyword !== 'RUN' && ins.keyword !== 'CMD' && ins.keyword !== 'ENTRYPOINT') continue;
    const exec = execFormWords(ins.args);
    if (ins.keyword === 'ENTRYPOINT') entrypoint = exec;
    if (exec) {
      octaneIn(ins.keyword === 'CMD' && entrypoint ? [...entrypoint, ...exec] : exec, out);
      continue;
    }
    inShell(ins.args, out);
    // `RUN <<EOF` (or `RUN bash <<EOF`): the here-document is the script.
    const first = simpleCommands(splitShellWords(ins.args))[0];
    if (ins.heredocs.length && (!first || SHELLS.has(baseName(first[0])))) for (const h of ins.heredocs) inShell(h.body, out);
  }
}

/** composer.json: the `scripts` (a command line, or a list of them). */
function composerCommands(text: string, out: OctaneCommand[]): void {
  const scripts = jsonMember(parseJson(text), 'scripts');
  if (scripts?.kind !== 'object') return;
  for (const m of scripts.members) {
    for (const v of m.value.kind === 'array' ? m.value.items : [m.value]) {
      if (v.kind === 'string') inShell(mappedOf(v.value, v.offsets, v.end - 1), out);
    }
  }
}

/**
 * The `php artisan octane:start …` commands of a supervisor program, a systemd
 * unit, a Dockerfile or composer.json scripts, read with each format's syntax
 * and split into shell words.
 */
export function octaneCommands(text: string, language: string): OctaneCommand[] {
  const out: OctaneCommand[] = [];
  if (language === 'supervisor') supervisorCommands(text, out);
  else if (language === 'systemd') systemdCommands(text, out);
  else if (language === 'dockerfile') dockerfileCommands(text, out);
  else if (language === 'json') composerCommands(text, out);
  return out;
}

const rule: Rule = {
  meta: {
    id: 'octane-max-requests-disabled',
    title: 'Laravel Octane started with --max-requests=0: workers are never recycled',
    description:
      "Octane recycles each worker after --max-requests requests (500 when the option is left out). --max-requests=0 turns that off: every request of a worker runs in the same PHP process, so a leak in the application or an extension grows the worker until it is killed. Found in supervisor programs, systemd units, Dockerfiles and composer.json scripts.",
    languages: ['supervisor', 'systemd', 'dockerfile', 'json'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx: RuleContext) {
    const findings: RawFinding[] = [];
    for (const c of octaneCommands(ctx.doc.text, ctx.doc.language)) {
      if (!c.maxRequests || !/^0+$/.test(c.maxRequests.value)) continue;
      findings.push({
        message: `--max-requests=0: Octane never recycles its workers, so a leak grows each worker until it is killed. Leave the option out (Octane's default is ${OCTANE_DEFAULT_MAX_REQUESTS}) or set a bound.`,
        range: ctx.lines.range(c.maxRequests.start, c.maxRequests.end),
        hover: [
          '**`--max-requests`** (Laravel Octane: octane:start; default `500`)',
          '',
          '**Bounds:** How many requests a worker handles before Octane replaces it (Swoole: max_request; RoadRunner: http.pool.max_jobs; FrankenPHP: the worker loop count). Caps any per-request leak.',
          '',
          '**Does not bound:** Memory within one request. 0 means never recycle.',
        ].join('\n'),
        fixes: [
          {
            title: `Set --max-requests to ${OCTANE_DEFAULT_MAX_REQUESTS}`,
            isPreferred: true,
            edits: [{ range: ctx.lines.range(c.maxRequests.start, c.maxRequests.end), newText: String(OCTANE_DEFAULT_MAX_REQUESTS) }],
          },
        ],
      });
    }
    return findings;
  },
};
export default rule;
