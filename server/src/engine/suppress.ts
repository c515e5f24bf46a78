// Suppression comments, for every language:
//   // php-leak-ignore-next-line c-request-heap-leak      (C, PHP)
//   ; php-leak-ignore-next-line fpm-max-requests           (php.ini, php-fpm)
//   # php-leak-ignore-next-line …                          (YAML, shell-like files)
// Without rule ids the comment silences every rule on the next line;
// `php-leak-ignore-line` does the same for its own line.
import type { LineIndex } from './text';
import type { DocLanguage, Finding, Fix } from './types';

export const NEXT_LINE = 'php-leak-ignore-next-line';
export const SAME_LINE = 'php-leak-ignore-line';

/** The comment starters of a language, in the order they are tried. */
function commentStarts(language: DocLanguage): string[] {
  switch (language) {
    case 'c':
      return ['//', '/*'];
    case 'php':
      return ['//', '#', '/*'];
    case 'ini':
    case 'php-fpm-conf':
      return [';', '#'];
    default:
      return ['#', '//', ';'];
  }
}

/** The rule ids a line's suppression comment names ([] = all), or undefined when it has none. */
export function suppressionOn(lineText: string, marker: string, language: DocLanguage): string[] | undefined {
  const at = lineText.indexOf(marker);
  if (at < 0) return undefined;
  const before = lineText.slice(0, at);
  // The marker must sit inside a comment that starts earlier on the line.
  if (!commentStarts(language).some((c) => before.includes(c))) return undefined;
  const rest = lineText.slice(at + marker.length).replace(/\*\/.*$/, '');
  if (rest.length && !/^\s/.test(rest)) return undefined; // e.g. php-leak-ignore-next-lines
  return rest
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(s));
}

function silences(ids: string[] | undefined, ruleId: string): boolean {
  return ids !== undefined && (ids.length === 0 || ids.includes(ruleId));
}

export function isSuppressed(f: Finding, lines: LineIndex, language: DocLanguage): boolean {
  const line = f.range.start.line;
  return (
    silences(suppressionOn(lines.lineText(line), SAME_LINE, language), f.ruleId) ||
    (line > 0 && silences(suppressionOn(lines.lineText(line - 1), NEXT_LINE, language), f.ruleId))
  );
}

/** The quick fix that adds a suppression comment above the finding's line. */
export function suppressionFix(f: Finding, lines: LineIndex, language: DocLanguage): Fix {
  const line = f.range.start.line;
  const indent = lines.indentOf(line);
  const comment =
    language === 'ini' || language === 'php-fpm-conf' ? ';' : language === 'c' || language === 'php' ? '//' : '#';
  const at = lines.offsetAt({ line, character: 0 });
  return {
    title: `Ignore ${f.ruleId} on this line (add a ${NEXT_LINE} comment)`,
    edits: [{ range: lines.range(at, at), newText: `${indent}${comment} ${NEXT_LINE} ${f.ruleId}${lines.eol}` }],
  };
}
