import * as path from 'path';
import type { DocLanguage } from './types';

/** Editor language ids that decide the engine language on their own. */
const byLanguageId: Record<string, DocLanguage> = {
  php: 'php',
  c: 'c',
  cpp: 'c',
  'php-fpm-conf': 'php-fpm-conf',
  dockerfile: 'dockerfile',
};

/**
 * Editor language ids that are too generic (any `.conf`, any YAML, any JSON):
 * the path decides first, and only then the id's fallback.
 */
const fallbackByLanguageId: Record<string, DocLanguage> = {
  ini: 'ini',
  properties: 'ini',
};

/** supervisord's own files and its include folders (Debian, RHEL, Alpine, Docker images). */
function isSupervisorPath(filePath: string, base: string, ext: string): boolean {
  if (base === 'supervisord.conf' || base === 'supervisor.conf') return true;
  if (ext !== '.conf' && ext !== '.ini') return false;
  return /(^|[\\/])(supervisor|supervisord|supervisor\.d|supervisord\.d)[\\/]/i.test(filePath) || /supervisor/i.test(base);
}

function isDockerfile(base: string, ext: string): boolean {
  return base === 'dockerfile' || base === 'containerfile' || base.startsWith('dockerfile.') || ext === '.dockerfile';
}

/** RoadRunner: `.rr.yaml`, `.rr.dev.yaml`, `.rr-prod.yml`, `rr.yaml`. */
function isRoadRunnerYaml(base: string): boolean {
  return /^\.?rr([.-][\w.-]+)?\.ya?ml$/.test(base);
}

/**
 * A `.conf` file's kind from its content, for names that do not say it
 * (`docker/octane.conf`): `[program:…]` is supervisord, a pool section with
 * `pm =` or a `[global]` with php-fpm keys is php-fpm. Undefined when unsure.
 */
export function confLanguageFromText(text: string): DocLanguage | undefined {
  const head = text.slice(0, 64 * 1024);
  if (/^\s*\[(program|supervisord|group|eventlistener|fcgi-program):?[^\]]*\]/m.test(head)) return 'supervisor';
  if (/^\s*pm\s*=\s*(static|dynamic|ondemand)\b/m.test(head) || /^\s*\[global\][\s\S]*^\s*(pid|error_log|include)\s*=.*php/m.test(head)) return 'php-fpm-conf';
  return undefined;
}

/**
 * The engine's language for a file, from the editor's language id when it is
 * specific, else from the path (and, for an otherwise unknown `.conf`, from the
 * text when the caller has it).
 */
export function languageOf(filePath: string, languageId?: string, text?: string): DocLanguage {
  if (languageId && byLanguageId[languageId]) return byLanguageId[languageId];
  const byPath = languageOfPath(filePath);
  if (byPath !== 'other') return byPath;
  const base = path.basename(filePath).toLowerCase();
  if (text !== undefined && path.extname(base) === '.conf') {
    const sniffed = confLanguageFromText(text);
    if (sniffed) return sniffed;
  }
  if (languageId && fallbackByLanguageId[languageId]) return fallbackByLanguageId[languageId];
  return 'other';
}

function languageOfPath(filePath: string): DocLanguage {
  const base = path.basename(filePath).toLowerCase();
  const ext = path.extname(base);
  if (ext === '.c' || ext === '.h') return 'c';
  if (ext === '.php' || ext === '.phtml' || ext === '.inc') return 'php';
  if (base === 'php-fpm.conf' || base === 'www.conf') return 'php-fpm-conf';
  if (ext === '.conf' && /(^|[\\/])(php-fpm\.d|pool\.d)[\\/]/.test(filePath)) return 'php-fpm-conf';
  if (ext === '.conf' && /fpm/.test(base)) return 'php-fpm-conf';
  if (isSupervisorPath(filePath, base, ext)) return 'supervisor';
  if (ext === '.ini' || base === '.user.ini' || base.startsWith('php.ini')) return 'ini';
  if (isRoadRunnerYaml(base)) return 'yaml';
  if (base === 'composer.json') return 'json';
  if (ext === '.service') return 'systemd';
  if (isDockerfile(base, ext)) return 'dockerfile';
  return 'other';
}
