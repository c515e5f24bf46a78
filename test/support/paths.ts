// Where the tiers find the bundles and the fixtures. Compiled to out/test/support/,
// so the repository root is three folders up.
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const distDir = path.join(repoRoot, 'dist');
export const serverJs = path.join(distDir, 'server.js');
export const cliJs = path.join(distDir, 'cli.js');
/** The fixtures are read from the sources (test/fixtures), not from out/. */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
