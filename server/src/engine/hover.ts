// Hovers that do not come from a finding: what a configuration key bounds.
import { describeConfigAt } from './config/hover';
import { profileDisplayName, type Finding, type Position, type SourceDocument, type WorkspaceView } from './types';
import type { ProfileDecision } from './profile';
import { LineIndex, mdText } from './text';
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

/** `Runtime profile: **php-fpm** (why)`: the profile by its display name, as the status bar names it. */
export function profileHoverLine(d: ProfileDecision): string {
  return `Runtime profile: **${profileDisplayName(d.profile)}** (${d.reason})`;
}

/**
 * Markdown without bare-host autolinks: a renderer with GFM autolinks (VS Code's) turns any
 * `www.` in text into a link (`php-fpm.d/www.conf` → http://www.conf). The dot is escaped
 * outside code spans, code blocks and URLs; the text reads the same.
 */
export function escapeBareHosts(markdown: string): string {
  return markdown
    .split(/(```[\s\S]*?```|`+[^`]*`+|\]\([^)\s]*\)|[a-z][\w+.-]*:\/\/[^\s)>]*)/i)
    .map((part, i) => (i % 2 ? part : part.replace(/(^|[^\w.\\-])(www)\./gi, '$1$2\\.')))
    .join('');
}

/**
 * The hover of a position: each finding's hover (else its message) with its rule and
 * severity, then what is described there (a configuration key, a container), then the
 * runtime profile that decided the severities. Undefined when there is nothing to show.
 */
export function composeHover(findings: readonly Finding[], described: string | undefined, profile: ProfileDecision | undefined): string | undefined {
  // A message is plain text (it may quote a workspace value): made inert when it stands in for a hover.
  const parts = findings.map((f) => `${f.hover ?? mdText(f.message)}\n\n\`${f.ruleId}\` · ${f.severity}`);
  if (described) parts.push(described);
  if (!parts.length) return undefined;
  return escapeBareHosts(`${parts.join('\n\n---\n\n')}${profile ? `\n\n${profileHoverLine(profile)}` : ''}`);
}
