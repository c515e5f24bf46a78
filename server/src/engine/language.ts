import * as path from 'path';
import type { DocLanguage } from './types';

const byLanguageId: Record<string, DocLanguage> = {
  php: 'php',
  c: 'c',
  cpp: 'c',
  'php-fpm-conf': 'php-fpm-conf',
  ini: 'ini',
  properties: 'ini',
};

/** The engine's language for a file, from the editor's language id when there is one, else from the path. */
export function languageOf(filePath: string, languageId?: string): DocLanguage {
  if (languageId && byLanguageId[languageId]) return byLanguageId[languageId];
  const base = path.basename(filePath).toLowerCase();
  const ext = path.extname(base);
  if (ext === '.c' || ext === '.h') return 'c';
  if (ext === '.php' || ext === '.phtml' || ext === '.inc') return 'php';
  if (base === 'php-fpm.conf' || base === 'www.conf') return 'php-fpm-conf';
  if (ext === '.conf' && /(^|[\\/])(php-fpm\.d|pool\.d)[\\/]/.test(filePath)) return 'php-fpm-conf';
  if (ext === '.ini' || base === '.user.ini' || base.startsWith('php.ini')) return 'ini';
  return 'other';
}
