// Reading processes from /proc (Linux): resident memory, children, the PHP processes running.
import * as fs from 'fs';

/** VmRSS of a live process in bytes; undefined when the process is gone or unreadable. */
export function readRss(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function processExists(pid: number): boolean {
  try {
    fs.accessSync(`/proc/${pid}/status`, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The command name (comm) of a process. */
export function processName(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function ppidOf(pid: number): number | undefined {
  try {
    // The comm field may contain spaces and parentheses: the fields after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The direct children of a process: from /proc/<pid>/task/<tid>/children (every thread),
 * else by scanning /proc for processes whose parent is pid (kernels without that file).
 */
export function childrenOf(pid: number): number[] {
  const found = new Set<number>();
  let readAny = false;
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
        readAny = true;
        for (const c of text.split(/\s+/)) if (c) found.add(Number(c));
      } catch {
        // no children file on this kernel
      }
    }
  } catch {
    return [];
  }
  if (!readAny) for (const p of allPids()) if (ppidOf(p) === pid) found.add(p);
  return [...found].sort((a, b) => a - b);
}

export interface PhpProcess {
  pid: number;
  name: string;
  ppid: number | undefined;
  rss: number | undefined;
  cmdline: string;
}

/** Running processes whose name starts with php (php, php-fpm8.2, php-cgi…), for pickers. */
export function listPhpProcesses(): PhpProcess[] {
  const out: PhpProcess[] = [];
  for (const pid of allPids()) {
    const name = processName(pid);
    if (!name || !/^php/.test(name)) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // gone
    }
    out.push({ pid, name, ppid: ppidOf(pid), rss: readRss(pid), cmdline });
  }
  return out;
}
