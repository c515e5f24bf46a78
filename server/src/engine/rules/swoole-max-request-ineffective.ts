import { keyDocMarkdown, swooleKeyDoc } from '../config/keys';
import { swooleServers } from '../config/phpConfig';
import type { RawFinding, Rule } from '../types';
import { hyperfServer, maxRequestState } from '../config/swoole';

const rule: Rule = {
  meta: {
    id: 'swoole-max-request-ineffective',
    title: 'Swoole max_request set where it does not recycle workers (SWOOLE_BASE, coroutine servers)',
    description:
      "max_request is carried out by Swoole's manager process, which replaces a worker after N requests. A coroutine server (Swoole\\Coroutine\\Http\\Server, Hyperf's CoroutineServer) runs in one process with no manager, so the setting does nothing; in SWOOLE_BASE mode the Swoole 1.x-4.x documentation calls it ineffective, and newer versions restart the worker only by closing all the connections it holds. The leak bound the setting seems to give is not there.",
    languages: ['php'],
    defaultSeverity: { fpm: 'warning', 'long-running': 'warning' },
    category: 'configuration',
  },
  check(ctx) {
    const findings: RawFinding[] = [];
    const hover = keyDocMarkdown(swooleKeyDoc('max_request')!);
    const hyperf = hyperfServer(ctx);
    if (hyperf) {
      if (!hyperf.settings || !(hyperf.base || hyperf.coroutine)) return findings;
      const st = maxRequestState(hyperf.settings.arr);
      if (st.state !== 'set' || !st.value?.loc) return findings;
      findings.push({
        message: hyperf.coroutine
          ? "max_request has no effect here: no worker is ever recycled. Hyperf's CoroutineServer runs in one process without Swoole's manager. Bound a leak another way (a process supervisor restarting on memory, or fixing the leak)."
          : "max_request with 'mode' => SWOOLE_BASE: a recycle closes every connection of that worker. Workers hold the connections themselves (Swoole 1.x-4.x documents the setting as ineffective in BASE mode). Use SWOOLE_PROCESS if recycling is the leak bound you rely on.",
        range: ctx.lines.range(st.value.loc.start.offset, st.value.loc.end.offset),
        hover,
        ...(hyperf.coroutine ? {} : { severity: 'information' as const }),
      });
      return findings;
    }
    for (const s of swooleServers(ctx)) {
      if (!s.coroutine && s.mode !== 'base') continue;
      for (const arr of s.settings) {
        const st = maxRequestState(arr);
        if (st.state !== 'set' || !st.value?.loc) continue;
        findings.push({
          message: s.coroutine
            ? `max_request has no effect on ${s.className}: no worker is ever recycled. A coroutine server is one process with no manager. Bound a leak another way (a supervisor that restarts the process on memory, or fix the leak).`
            : `max_request on a SWOOLE_BASE server: a recycle closes every connection of that worker. Workers hold the connections themselves (Swoole 1.x-4.x documents the setting as ineffective in BASE mode). Use SWOOLE_PROCESS if recycling is the leak bound you rely on.`,
          range: ctx.lines.range(st.value.loc.start.offset, st.value.loc.end.offset),
          hover,
          // BASE mode: documented as ineffective up to Swoole 4, a connection-dropping restart after.
          ...(s.coroutine ? {} : { severity: 'information' as const }),
        });
      }
    }
    return findings;
  },
};
export default rule;
