// Hovers that do not come from a finding: what a configuration key bounds.
import { parseIni } from './config/ini';
import { keyDoc, keyDocMarkdown } from './config/keys';
import type { Position, SourceDocument } from './types';
import { LineIndex } from './text';

/** Markdown describing what is under the position, or undefined. Never throws. */
export function describeAt(doc: SourceDocument, pos: Position): string | undefined {
  try {
    if (doc.language !== 'ini' && doc.language !== 'php-fpm-conf') return undefined;
    const lines = new LineIndex(doc.text);
    const offset = lines.offsetAt(pos);
    const entry = parseIni(doc.text).entries.find((e) => offset >= e.keyStart && offset <= e.valueEnd);
    if (!entry) return undefined;
    const d = keyDoc(entry.iniKey ?? entry.key);
    return d ? keyDocMarkdown(d, entry.value) : undefined;
  } catch {
    return undefined;
  }
}
