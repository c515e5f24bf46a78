// A small POSIX-ish shell word splitter that keeps source offsets: it reads a
// command line (supervisor `command=`, systemd `ExecStart=`, a Dockerfile
// shell-form instruction, a composer script) into words and control operators,
// honouring single quotes, double quotes, backslash escapes, `\`-newline
// continuations and `#` comments. No expansion is done: `$X` stays as written.
//
// Offsets: the input is a MappedText, a logical text whose characters each
// carry the offset they come from in the document (continuation lines joined,
// JSON strings decoded, …), so every character of a word's value maps back to
// the document and a finding can point at exactly the characters it means.

/** A logical text and, for each of its characters, the document offset it comes from. */
export interface MappedText {
  text: string;
  /** `offsets[i]` is the document offset of `text[i]`; `offsets[text.length]` is the offset just after the text. */
  offsets: number[];
}

/** `source.slice(start, end)` with its document offsets. */
export function mappedSlice(source: string, start: number, end: number): MappedText {
  const offsets: number[] = [];
  for (let i = start; i <= end; i++) offsets.push(i);
  return { text: source.slice(start, end), offsets };
}

/** Joins mapped texts with `sep` (whose characters map to the end of the piece before them). */
export function joinMapped(parts: MappedText[], sep: string): MappedText {
  let text = '';
  const offsets: number[] = [];
  parts.forEach((p, k) => {
    if (k > 0) {
      const at = parts[k - 1].offsets[parts[k - 1].text.length];
      text += sep;
      for (let i = 0; i < sep.length; i++) offsets.push(at);
    }
    text += p.text;
    // A loop, not push(...): a long command line has more offsets than a call may take arguments.
    for (let i = 0; i < p.text.length; i++) offsets.push(p.offsets[i]);
  });
  const lastPart = parts[parts.length - 1];
  offsets.push(lastPart ? lastPart.offsets[lastPart.text.length] : 0);
  return { text, offsets };
}

/** Lifts a string whose characters have their own offsets into a MappedText (offsets as given, plus an end). */
export function mappedOf(text: string, offsets: number[], end: number): MappedText {
  return { text, offsets: [...offsets.slice(0, text.length), end] };
}

export interface ShellWord {
  kind: 'word';
  /** The word after quote removal and escapes. */
  value: string;
  /** Document offset of each character of `value`. */
  offsets: number[];
  /** Document offsets of the word as written (quotes included). */
  start: number;
  end: number;
  /** Whether any part of the word was quoted or escaped. */
  quoted: boolean;
}

export interface ShellOperator {
  /** `control`: `;` `&` `&&` `|` `||` `|&` `;;` `(` `)` and line ends; `redirect`: `<` `>` `>>` `<<` `<<-` `>&` `<&` `<>` `>|` (with an IO number). */
  kind: 'control' | 'redirect';
  value: string;
  start: number;
  end: number;
}

export type ShellToken = ShellWord | ShellOperator;

const CONTROL = [';;', '&&', '||', '|&', ';', '&', '|', '(', ')'];
const REDIRECT = ['<<-', '<<', '>>', '>&', '<&', '<>', '>|', '<', '>'];

/** Splits a command line into words and operators (never throws; an unclosed quote runs to the end). */
export function splitShellWords(input: MappedText | string): ShellToken[] {
  const m: MappedText = typeof input === 'string' ? mappedSlice(input, 0, input.length) : input;
  const s = m.text;
  const at = (i: number) => m.offsets[i];
  const out: ShellToken[] = [];
  let word: ShellWord | undefined;
  const add = (ch: string, i: number, start: number) => {
    if (!word) word = { kind: 'word', value: '', offsets: [], start: at(start), end: at(start), quoted: false };
    word.value += ch;
    word.offsets.push(at(i));
  };
  const begin = (i: number) => {
    if (!word) word = { kind: 'word', value: '', offsets: [], start: at(i), end: at(i), quoted: false };
  };
  const finish = (i: number) => {
    if (word) {
      word.end = at(i);
      out.push(word);
      word = undefined;
    }
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') {
      if (s[i + 1] === '\n') {
        i += 2; // line continuation
        continue;
      }
      if (s[i + 1] === '\r' && s[i + 2] === '\n') {
        i += 3;
        continue;
      }
      begin(i);
      word!.quoted = true;
      if (i + 1 < s.length) add(s[i + 1], i + 1, i);
      i += 2;
      continue;
    }
    if (c === "'") {
      begin(i);
      word!.quoted = true;
      let j = i + 1;
      for (; j < s.length && s[j] !== "'"; j++) add(s[j], j, i);
      i = j + 1;
      continue;
    }
    if (c === '"') {
      begin(i);
      word!.quoted = true;
      let j = i + 1;
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length && '$`"\\\n'.includes(s[j + 1])) {
          if (s[j + 1] !== '\n') add(s[j + 1], j + 1, i);
          j += 2;
        } else {
          add(s[j], j, i);
          j++;
        }
      }
      i = j + 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      finish(i);
      i++;
      continue;
    }
    if (c === '\n') {
      finish(i);
      out.push({ kind: 'control', value: '\n', start: at(i), end: at(i + 1) });
      i++;
      continue;
    }
    if (c === '#' && !word) {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    const ctl = CONTROL.find((op) => s.startsWith(op, i));
    if (ctl) {
      finish(i);
      out.push({ kind: 'control', value: ctl, start: at(i), end: at(i + ctl.length) });
      i += ctl.length;
      continue;
    }
    const red = REDIRECT.find((op) => s.startsWith(op, i));
    if (red) {
      // An unquoted all-digit word right before it is its IO number (`2>&1`).
      let start = at(i);
      let value = red;
      if (word && !word.quoted && /^\d+$/.test(word.value)) {
        start = word.start;
        value = word.value + red;
        word = undefined;
      }
      finish(i);
      out.push({ kind: 'redirect', value, start, end: at(i + red.length) });
      i += red.length;
      continue;
    }
    add(c, i, i);
    i++;
  }
  finish(s.length);
  return out;
}

/**
 * The simple commands of a token list: runs of words between control
 * operators, with redirections and their targets left out.
 */
export function simpleCommands(tokens: ShellToken[]): ShellWord[][] {
  const out: ShellWord[][] = [];
  let cur: ShellWord[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'control') {
      if (cur.length) out.push(cur);
      cur = [];
    } else if (t.kind === 'redirect') {
      if (tokens[i + 1]?.kind === 'word') i++;
    } else {
      cur.push(t as ShellWord);
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/** A word's value as a MappedText (to split it again, e.g. the script of `sh -c '…'`). */
export function wordText(w: ShellWord): MappedText {
  return { text: w.value, offsets: [...w.offsets, w.end] };
}
