// The extension's settings ("phpLeak.*"), their defaults and their validation.
// One definition for the client, the server and the CLI (vscode-eslint style).
import { knownRuleIds } from './registry';
import { isProfileSetting, PROFILE_SETTINGS, type ProfileSetting, type SeveritySetting } from './types';

export interface Settings {
  enable: boolean;
  runtime: ProfileSetting;
  rules: Record<string, SeveritySetting>;
  include: string[];
  exclude: string[];
  maxFileSize: number;
  /** Per-file analysis time budget in ms (0 = none); past it the file gets an `analysis-budget` finding. */
  analysisTimeBudget: number;
  /** Also scan vendor/ and node_modules/ (drops those two default excludes). */
  includeThirdParty: boolean;
}

/** The default excludes phpLeak.includeThirdParty drops. */
export const THIRD_PARTY_EXCLUDES: readonly string[] = ['**/vendor/**', '**/node_modules/**'];

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  enable: true,
  runtime: 'auto',
  rules: {},
  include: [
    '**/*.c',
    '**/*.h',
    '**/*.php',
    '**/*.ini',
    '**/*.conf',
    '**/.rr*.yaml',
    '**/.rr*.yml',
    '**/*.service',
    '**/Dockerfile',
    '**/Dockerfile.*',
    '**/*.dockerfile',
    '**/composer.json',
  ],
  exclude: ['**/vendor/**', '**/node_modules/**', '**/.git/**'],
  maxFileSize: 2 * 1024 * 1024,
  analysisTimeBudget: 2000,
  includeThirdParty: false,
});

/** The values a rule's severity setting may take (`phpLeak.rules`, `--rule`). */
export const SEVERITIES: readonly SeveritySetting[] = ['error', 'warning', 'information', 'hint', 'off'];

export interface NormalizedSettings {
  settings: Settings;
  /** One line per bad value, naming the setting; defaults were used for it. */
  problems: string[];
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * Validates raw settings (from workspace/configuration, a CLI or a test).
 * Bad values never throw: each is replaced by its default and reported. Rule ids are
 * checked against the one registry (static, runtime and budget rules).
 */
export function normalizeSettings(raw: unknown): NormalizedSettings {
  const problems: string[] = [];
  const s: Settings = { ...DEFAULT_SETTINGS, rules: {}, include: [...DEFAULT_SETTINGS.include], exclude: [...DEFAULT_SETTINGS.exclude] };
  if (raw === undefined || raw === null) return { settings: s, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`phpLeak: expected an object of settings, got ${JSON.stringify(raw)}; defaults used`);
    return { settings: s, problems };
  }
  const r = raw as Record<string, unknown>;
  if (r.enable !== undefined) {
    if (typeof r.enable === 'boolean') s.enable = r.enable;
    else problems.push(`phpLeak.enable: expected true or false, got ${JSON.stringify(r.enable)}; default (true) used`);
  }
  if (r.runtime !== undefined) {
    if (isProfileSetting(r.runtime)) s.runtime = r.runtime;
    else problems.push(`phpLeak.runtime: expected one of ${PROFILE_SETTINGS.join(', ')}, got ${JSON.stringify(r.runtime)}; default (auto) used`);
  }
  if (r.rules !== undefined) {
    if (r.rules && typeof r.rules === 'object' && !Array.isArray(r.rules)) {
      for (const [id, sev] of Object.entries(r.rules as Record<string, unknown>)) {
        if (!knownRuleIds.has(id)) {
          problems.push(`phpLeak.rules: unknown rule "${id}" ignored`);
        } else if (typeof sev === 'string' && (SEVERITIES as readonly string[]).includes(sev)) {
          s.rules[id] = sev as SeveritySetting;
        } else {
          problems.push(`phpLeak.rules.${id}: expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(sev)}; the rule's default used`);
        }
      }
    } else {
      problems.push(`phpLeak.rules: expected an object mapping rule ids to severities, got ${JSON.stringify(r.rules)}; ignored`);
    }
  }
  for (const key of ['include', 'exclude'] as const) {
    if (r[key] !== undefined) {
      if (isStringArray(r[key])) s[key] = [...(r[key] as string[])];
      else problems.push(`phpLeak.${key}: expected an array of glob strings, got ${JSON.stringify(r[key])}; default used`);
    }
  }
  if (r.maxFileSize !== undefined) {
    if (typeof r.maxFileSize === 'number' && Number.isFinite(r.maxFileSize) && r.maxFileSize >= 0) s.maxFileSize = r.maxFileSize;
    else problems.push(`phpLeak.maxFileSize: expected a number of bytes >= 0, got ${JSON.stringify(r.maxFileSize)}; default (${DEFAULT_SETTINGS.maxFileSize}) used`);
  }
  if (r.analysisTimeBudget !== undefined) {
    const b = r.analysisTimeBudget;
    if (typeof b === 'number' && Number.isFinite(b) && b >= 0) s.analysisTimeBudget = b;
    else problems.push(`phpLeak.analysisTimeBudget: expected a number of milliseconds >= 0 (0 = no budget), got ${JSON.stringify(b)}; default (${DEFAULT_SETTINGS.analysisTimeBudget}) used`);
  }
  if (r.includeThirdParty !== undefined) {
    if (typeof r.includeThirdParty === 'boolean') s.includeThirdParty = r.includeThirdParty;
    else problems.push(`phpLeak.includeThirdParty: expected true or false, got ${JSON.stringify(r.includeThirdParty)}; default (false) used`);
  }
  if (s.includeThirdParty) s.exclude = s.exclude.filter((g) => !THIRD_PARTY_EXCLUDES.includes(g));
  return { settings: s, problems };
}
