// Finds Neovim for the nvim tier; installs it with apt-get when running as root.
import { spawnSync } from 'node:child_process';

function nvimVersion(): string | undefined {
  const r = spawnSync('nvim', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

/** Returns `nvim --version`'s first line; installs Neovim as root, else throws with the command to run. */
export function ensureNvim(): string {
  const found = nvimVersion();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error('nvim is not installed: run `sudo apt-get install -y neovim` (Debian/Ubuntu), then rerun the nvim tier');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', 'neovim'], { encoding: 'utf8', env, timeout: 300_000 });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { encoding: 'utf8', env, timeout: 300_000 });
    r = spawnSync('apt-get', ['install', '-y', 'neovim'], { encoding: 'utf8', env, timeout: 300_000 });
  }
  const after = nvimVersion();
  if (!after) throw new Error(`could not install Neovim with apt-get install -y neovim:\n${r.stderr ?? ''}`);
  return after;
}
