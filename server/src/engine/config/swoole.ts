// Swoole and Hyperf server settings as the configuration rules and hovers read them.
import { isHyperfServerConfig, item, literal, returnedArray } from './phpConfig';
import { phpAstOf, type PhpNode } from '../php/parse';
import type { RuleContext } from '../types';

/** max_request in a settings array: 'set' (> 0 or not a literal), 'zero', or 'absent'. */
export function maxRequestState(arr: PhpNode | undefined): { state: 'set' | 'zero' | 'absent'; value?: PhpNode } {
  const it = item(arr, 'max_request');
  if (!it) return { state: 'absent' };
  const v = literal(it.value);
  if (typeof v === 'number' && v <= 0) return { state: 'zero', value: it.value };
  return { state: 'set', value: it.value };
}

/** Hyperf's config/autoload/server.php: its mode and server type. */
export function hyperfServer(ctx: RuleContext): { arr: PhpNode; settings?: { key: PhpNode; arr: PhpNode }; base: boolean; coroutine: boolean } | undefined {
  if (!isHyperfServerConfig(ctx.doc.path)) return undefined;
  const r = returnedArray(phpAstOf(ctx).program);
  if (!r) return undefined;
  const mode = item(r.arr, 'mode');
  const modeName = mode?.value.kind === 'name' ? String(mode.value.name).toUpperCase() : '';
  const type = item(r.arr, 'type');
  const typeText = type ? ctx.doc.text.slice(type.value.loc?.start.offset ?? 0, type.value.loc?.end.offset ?? 0) : '';
  const s = item(r.arr, 'settings');
  return {
    arr: r.arr,
    settings: s && s.value.kind === 'array' && s.keyNode ? { key: s.keyNode, arr: s.value } : undefined,
    base: /(^|\\|_)BASE$/.test(modeName),
    coroutine: /CoroutineServer/.test(typeText),
  };
}

