import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_URL, ruleHelpUri } from './registry';

let cached: string | undefined;

/**
 * The folder holding package.json and docs/: dist/.. for the bundles,
 * the repository root for compiled tests.
 */
export function installRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg && pkg.name === 'php-leak-diagnostics') return (cached = dir);
    } catch {
      /* keep walking up */
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return (cached = path.dirname(__dirname));
}

export function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(installRoot(), 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The rule's docs page text, or undefined when it is not shipped. */
export function ruleDocsText(id: string): string | undefined {
  try {
    return fs.readFileSync(path.join(installRoot(), 'docs', 'rules', `${id}.md`), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * An https URL of a repository or home page as package.json may write it (a string,
 * `{ "url": … }`, `git+https://…/x.git`, `github:owner/name`), else undefined.
 */
export function httpsProjectUrl(field: unknown): string | undefined {
  const raw = typeof field === 'string' ? field : field && typeof field === 'object' && typeof (field as { url?: unknown }).url === 'string' ? (field as { url: string }).url : undefined;
  if (!raw) return undefined;
  const short = /^(?:github:)?([A-Za-z0-9][\w.-]*\/[\w.-]+)$/.exec(raw);
  if (short) return `https://github.com/${short[1].replace(/\.git$/, '')}`;
  const url = raw.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, '').replace(/\/+$/, '');
  return /^https:\/\/[^/\s]+\/\S*$/.test(url) ? url : undefined;
}

let cachedProjectUrl: string | undefined;

/** The project's https URL: package.json `repository`, else `homepage`, else PROJECT_URL. */
export function projectUrl(): string {
  if (cachedProjectUrl) return cachedProjectUrl;
  let pkg: { repository?: unknown; homepage?: unknown } = {};
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(installRoot(), 'package.json'), 'utf8'));
  } catch {
    /* the constant */
  }
  return (cachedProjectUrl = httpsProjectUrl(pkg.repository) ?? httpsProjectUrl(pkg.homepage) ?? PROJECT_URL);
}

/**
 * What a report says about a rule's docs: the page's markdown (SARIF `help.markdown`) when it
 * is shipped, and its https URL in the project repository (SARIF `helpUri`).
 */
export function ruleReportDocs(id: string): { text?: string; url: string } {
  return { text: ruleDocsText(id), url: ruleHelpUri(id, projectUrl()) };
}
