// Hovers that do not come from a finding: what a configuration key bounds.
import { describeConfigAt } from './config/hover';
import type { Position, SourceDocument, WorkspaceView } from './types';
import { LineIndex } from './text';
import { describePhpContainerAt } from './php/describe';

/** Markdown describing what is under the position, or undefined. Never throws. */
export function describeAt(doc: SourceDocument, pos: Position, workspace?: WorkspaceView): string | undefined {
  try {
    const lines = new LineIndex(doc.text);
    // Configuration keys (php.ini, php-fpm, .rr.yaml, Swoole/Hyperf/webman arrays); the workspace gives the effective value.
    const config = describeConfigAt(doc, lines.offsetAt(pos), workspace);
    if (config) return config;
    // PHP: a long-lived container's declaration (where it grows, bounded or not).
    if (doc.language === 'php') return describePhpContainerAt(doc.text, doc.path, lines.offsetAt(pos));
    return undefined;
  } catch {
    return undefined;
  }
}
