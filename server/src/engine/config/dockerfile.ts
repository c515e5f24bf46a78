// A small Dockerfile instruction reader (the Dockerfile reference's syntax):
// parser directives (`# escape=`), comment lines, instructions with their
// arguments over escape-continued lines (comment and blank lines inside a
// continuation are skipped, as BuildKit does), here-documents (`RUN <<EOF`),
// and the exec form (`CMD ["php", "artisan"]`, a JSON array of strings).
// Offsets are kept: an instruction's arguments are a MappedText.
import { parseJson } from './json';
import { joinMapped, mappedSlice, splitShellWords, type MappedText, type ShellWord } from './shellwords';

export interface DockerInstruction {
  /** The instruction, upper-cased (`RUN`, `CMD`, …). */
  keyword: string;
  keywordStart: number;
  /** The arguments after the keyword, continuation lines joined (escape and line end removed). */
  args: MappedText;
  /** Here-document bodies, in the order of their `<<WORD` markers. */
  heredocs: Array<{ delimiter: string; body: MappedText }>;
  /** Offsets of the whole instruction (through its last continuation / here-document line). */
  start: number;
  end: number;
  /** 0-based line of the keyword. */
  line: number;
}

export interface Dockerfile {
  /** The escape character (`\` unless a `# escape=` directive says otherwise). */
  escape: string;
  instructions: DockerInstruction[];
}

interface Line {
  start: number;
  end: number;
}

function linesOf(text: string): Line[] {
  const out: Line[] = [];
  let pos = 0;
  for (;;) {
    let end = pos;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    out.push({ start: pos, end });
    if (end >= text.length) break;
    pos = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
  }
  return out;
}

const isBlank = (s: string) => s.trim() === '';

export function parseDockerfile(text: string): Dockerfile {
  const lines = linesOf(text);
  let escape = '\\';
  let i = 0;
  // Parser directives: `# key=value` lines at the very top.
  for (; i < lines.length; i++) {
    const body = text.slice(lines[i].start, lines[i].end);
    const d = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S*)\s*$/.exec(body);
    if (!d) break;
    if (d[1].toLowerCase() === 'escape' && (d[2] === '`' || d[2] === '\\')) escape = d[2];
  }
  const instructions: DockerInstruction[] = [];
  /** A line's content up to a trailing escape (and whitespace after it), and whether it continues. */
  const continued = (l: Line): { end: number; more: boolean } => {
    let e = l.end;
    while (e > l.start && /\s/.test(text[e - 1])) e--;
    if (e > l.start && text[e - 1] === escape) return { end: e - 1, more: true };
    return { end: l.end, more: false };
  };
  for (; i < lines.length; i++) {
    const l = lines[i];
    const raw = text.slice(l.start, l.end);
    if (isBlank(raw) || raw.trimStart().startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    const keywordStart = l.start + indent;
    let k = keywordStart;
    while (k < l.end && !/\s/.test(text[k]) && !(text[k] === escape && k === continued(l).end)) k++;
    const keyword = text.slice(keywordStart, k).toUpperCase();
    const parts: MappedText[] = [];
    let c = continued(l);
    parts.push(mappedSlice(text, k, Math.max(k, c.end)));
    let last = i;
    while (c.more && last + 1 < lines.length) {
      let j = last + 1;
      // Comment and empty lines inside a continuation are skipped.
      while (j < lines.length && (isBlank(text.slice(lines[j].start, lines[j].end)) || text.slice(lines[j].start, lines[j].end).trimStart().startsWith('#'))) j++;
      if (j >= lines.length) break;
      last = j;
      c = continued(lines[j]);
      parts.push(mappedSlice(text, lines[j].start, c.end));
    }
    const joined = joinMapped(parts, '');
    // Trim the arguments.
    let s = 0;
    let e = joined.text.length;
    while (s < e && /\s/.test(joined.text[s])) s++;
    while (e > s && /\s/.test(joined.text[e - 1])) e--;
    const args: MappedText = { text: joined.text.slice(s, e), offsets: joined.offsets.slice(s, e + 1) };
    // Here-documents (BuildKit): `<<EOF`, `<<-EOF`, `<<"EOF"` markers; their bodies follow the instruction.
    const heredocs: DockerInstruction['heredocs'] = [];
    if (!execFormWords(args)) {
      const tokens = splitShellWords(args);
      for (let t = 0; t < tokens.length; t++) {
        const tok = tokens[t];
        const next = tokens[t + 1];
        if (tok.kind !== 'redirect' || !/^\d*<<-?$/.test(tok.value) || next?.kind !== 'word' || next.value === '') continue;
        const stripTabs = tok.value.endsWith('-');
        const bodyLines: MappedText[] = [];
        let j = last + 1;
        for (; j < lines.length; j++) {
          let ls = lines[j].start;
          if (stripTabs) while (ls < lines[j].end && text[ls] === '\t') ls++;
          if (text.slice(ls, lines[j].end) === next.value) break;
          bodyLines.push(mappedSlice(text, ls, lines[j].end));
        }
        last = Math.min(j, lines.length - 1);
        heredocs.push({ delimiter: next.value, body: bodyLines.length ? joinMapped(bodyLines, '\n') : mappedSlice(text, lines[last].start, lines[last].start) });
      }
    }
    instructions.push({ keyword, keywordStart, args, heredocs, start: keywordStart, end: lines[last].end, line: i });
    i = last;
  }
  return { escape, instructions };
}

/**
 * The exec form's words (`["php", "artisan", …]`: a JSON array of strings),
 * with document offsets; undefined for the shell form (anything else, as Docker reads it).
 */
export function execFormWords(args: MappedText): ShellWord[] | undefined {
  if (!args.text.startsWith('[')) return undefined;
  const json = parseJson(args.text);
  if (json?.kind !== 'array' || !json.items.every((x) => x.kind === 'string')) return undefined;
  return json.items.map((x) => {
    const s = x as Extract<typeof x, { kind: 'string' }>;
    return { kind: 'word', value: s.value, offsets: s.offsets.map((o) => args.offsets[o]), start: args.offsets[s.start], end: args.offsets[s.end], quoted: true };
  });
}
