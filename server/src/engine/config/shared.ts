import type { RuleContext } from '../types';
import { parseIni, type IniDocument } from './ini';

/** The INI parse of a php.ini or php-fpm document, shared by the configuration rules. */
export function iniOf(ctx: RuleContext): IniDocument {
  return ctx.shared('config.ini', () => parseIni(ctx.doc.text));
}
