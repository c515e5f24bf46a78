// Every finding the engine gives on the repository's fixtures and the demo, under both
// profiles: what the user-facing checks (hovers, message length) run over.
import * as fs from 'fs';
import * as path from 'path';
import {
  analyze,
  DEFAULT_SETTINGS,
  detectProfile,
  DiskWorkspace,
  initEngine,
  languageOf,
  PROFILES,
  type Finding,
  type Profile,
  type ProfileDecision,
  type SourceDocument,
} from '../../server/src/engine';
import { fixturesDir, repoRoot } from '../support/paths';

/** Folders of real-looking projects (the fuzz regressions are not: they are broken on purpose). */
export const FIXTURE_ROOTS = ['config', 'ext', 'php-runtime', 'runtime-ext', 'seed-ext'].map((d) => path.join(fixturesDir, d)).concat([path.join(repoRoot, 'examples')]);

export interface FixtureRun {
  root: string;
  doc: SourceDocument;
  profile: Profile;
  /** What auto detection decided for the file (the hover's profile line). */
  decision: ProfileDecision;
  findings: Finding[];
  workspace: DiskWorkspace;
}

let cached: FixtureRun[] | undefined;

export async function fixtureRuns(): Promise<FixtureRun[]> {
  if (cached) return cached;
  await initEngine();
  const out: FixtureRun[] = [];
  for (const root of FIXTURE_ROOTS) {
    const workspace = new DiskWorkspace({ roots: [root], include: [...DEFAULT_SETTINGS.include], exclude: [...DEFAULT_SETTINGS.exclude], maxFileSize: DEFAULT_SETTINGS.maxFileSize });
    for (const file of listFiles(root)) {
      const language = languageOf(file, undefined, fs.readFileSync(file, 'utf8'));
      if (language === 'other') continue;
      const doc: SourceDocument = { path: file, text: fs.readFileSync(file, 'utf8'), language };
      const auto = detectProfile('auto', path.dirname(file), root, undefined, workspace);
      for (const profile of PROFILES) {
        const decision = profile === auto.profile ? auto : detectProfile(profile, path.dirname(file));
        const findings = analyze(doc, { profile, workspace }).findings;
        out.push({ root, doc, profile, decision, findings, workspace });
      }
    }
  }
  return (cached = out);
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'vendor' && e.name !== 'node_modules') out.push(...listFiles(p));
    } else if (e.isFile()) out.push(p);
  }
  return out;
}
