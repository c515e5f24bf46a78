// webman's config/process.php as the configuration rules read it.
import { arrayItems, isWebmanProcessConfig, item, returnedArray, type ArrayItem } from './phpConfig';
import { phpAstOf, type PhpNode } from '../php/parse';
import type { RuleContext } from '../types';

/** webman's config/process.php: the monitor process entry and its options, when the file is webman's. */
export function webmanMonitor(ctx: RuleContext): { ret: PhpNode; arr: PhpNode; monitor?: ArrayItem; options?: ArrayItem } | undefined {
  if (!isWebmanProcessConfig(ctx.doc.path)) return undefined;
  const r = returnedArray(phpAstOf(ctx).program);
  if (!r) return undefined;
  const processes = arrayItems(r.arr);
  // webman's file: process entries with a 'handler', or the framework named.
  const looksWebman = processes.some((p) => p.value.kind === 'array' && item(p.value, 'handler')) || /webman|workerman/i.test(ctx.doc.text);
  if (!looksWebman) return undefined;
  const isMonitor = (p: ArrayItem) => {
    if (p.value.kind !== 'array') return false;
    const h = item(p.value, 'handler');
    const handlerText = h?.value.loc ? ctx.doc.text.slice(h.value.loc.start.offset, h.value.loc.end.offset) : '';
    return /Monitor\b/.test(handlerText) || (p.key === 'monitor' && !h);
  };
  const monitor = processes.find(isMonitor);
  let options: ArrayItem | undefined;
  if (monitor) {
    const ctor = item(monitor.value, 'constructor');
    options = ctor && ctor.value.kind === 'array' ? item(ctor.value, 'options') : undefined;
  }
  return { ret: r.ret, arr: r.arr, monitor, options };
}

