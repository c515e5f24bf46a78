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
/** The largest phpLeak.maxFileSize honoured (64 MiB): a workspace cannot lift it to 1e12. */
export const MAX_FILE_SIZE_CAP = 64 * 1024 * 1024;
/** The longest positive phpLeak.analysisTimeBudget honoured (60 s). */
export const MAX_BUDGET_MS = 60_000;
/** At most this many globs per list, each at most this long (picomatch refuses past 65,536 characters). */
export const MAX_GLOBS = 1000;
export const MAX_GLOB_LENGTH = 4096;
/** A bad value is quoted in a problem line with at most this many characters. */
export const MAX_QUOTED = 200;

/**
 * A bad value as a short JSON-like quote: at most MAX_QUOTED characters, nesting shown to a
 * few levels ("…" below), never throws (JSON.stringify throws on 10,000-deep values and
 * echoes a 10 MB string whole).
 */
export function quoteValue(v: unknown, max = MAX_QUOTED): string {
  let out = '';
  const full = () => out.length > max;
  const walk = (x: unknown, depth: number): void => {
    if (full()) return;
    if (typeof x === 'string') {
      out += JSON.stringify(x.length > max ? x.slice(0, max) : x);
    } else if (x === null || typeof x === 'number' || typeof x === 'boolean') {
      out += String(x);
    } else if (x === undefined) {
      out += 'undefined';
    } else if (Array.isArray(x)) {
      if (depth >= 4) return void (out += '[…]');
      out += '[';
      for (let i = 0; i < x.length && !full(); i++) {
        if (i) out += ',';
        walk(x[i], depth + 1);
      }
      out += ']';
    } else if (typeof x === 'object') {
      if (depth >= 4) return void (out += '{…}');
      out += '{';
      let i = 0;
      for (const k in x as Record<string, unknown>) {
        if (full()) break;
        if (i++) out += ',';
        out += JSON.stringify(k.length > max ? k.slice(0, max) : k) + ':';
        walk((x as Record<string, unknown>)[k], depth + 1);
      }
      out += '}';
    } else {
      out += typeof x;
    }
  };
  try {
    walk(v, 0);
  } catch {
    out += '…';
  }
  return out.length > max ? out.slice(0, max) + '…' : out;
}


export interface NormalizedSettings {
  settings: Settings;
  /** One line per bad value, naming the setting; defaults were used for it. */
  problems: string[];
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isGlobList(v: unknown): v is string[] {
  return isStringArray(v) && v.length <= MAX_GLOBS && v.every((g) => g.length <= MAX_GLOB_LENGTH);
}

/**
 * Validates raw settings (from workspace/configuration, a CLI or a test).
 * Bad values never throw: each is replaced by its default and reported. Rule ids are
 * checked against the one registry (static, runtime and budget rules).
 */
export function normalizeSettings(raw: unknown): NormalizedSettings {
  try {
    return normalize(raw);
  } catch (e) {
    // Never reached by any value we know of; a getter that throws, a proxy: defaults, said once.
    return { settings: normalize(undefined).settings, problems: [`phpLeak: the settings could not be read (${quoteValue(e instanceof Error ? e.message : String(e))}); defaults used`] };
  }
}

function normalize(raw: unknown): NormalizedSettings {
  const problems: string[] = [];
  const s: Settings = { ...DEFAULT_SETTINGS, rules: {}, include: [...DEFAULT_SETTINGS.include], exclude: [...DEFAULT_SETTINGS.exclude] };
  if (raw === undefined || raw === null) return { settings: s, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`phpLeak: expected an object of settings, got ${quoteValue(raw)}; defaults used`);
    return { settings: s, problems };
  }
  const r = raw as Record<string, unknown>;
  if (r.enable !== undefined) {
    if (typeof r.enable === 'boolean') s.enable = r.enable;
    else problems.push(`phpLeak.enable: expected true or false, got ${quoteValue(r.enable)}; default (true) used`);
  }
  if (r.runtime !== undefined) {
    if (isProfileSetting(r.runtime)) s.runtime = r.runtime;
    else problems.push(`phpLeak.runtime: expected one of ${PROFILE_SETTINGS.join(', ')}, got ${quoteValue(r.runtime)}; default (auto) used`);
  }
  if (r.rules !== undefined) {
    if (r.rules && typeof r.rules === 'object' && !Array.isArray(r.rules)) {
      for (const [id, sev] of Object.entries(r.rules as Record<string, unknown>)) {
        if (!knownRuleIds.has(id)) {
          problems.push(`phpLeak.rules: unknown rule ${quoteValue(id)} ignored`);
        } else if (typeof sev === 'string' && (SEVERITIES as readonly string[]).includes(sev)) {
          s.rules[id] = sev as SeveritySetting;
        } else {
          problems.push(`phpLeak.rules.${id}: expected one of ${SEVERITIES.join(', ')}, got ${quoteValue(sev)}; the rule's default used`);
        }
      }
    } else {
      problems.push(`phpLeak.rules: expected an object mapping rule ids to severities, got ${quoteValue(r.rules)}; ignored`);
    }
  }
  for (const key of ['include', 'exclude'] as const) {
    if (r[key] !== undefined) {
      if (isGlobList(r[key])) s[key] = [...(r[key] as string[])];
      else if (isStringArray(r[key])) problems.push(`phpLeak.${key}: at most ${MAX_GLOBS} globs of at most ${MAX_GLOB_LENGTH} characters, got ${quoteValue(r[key])}; default used`);
      else problems.push(`phpLeak.${key}: expected an array of glob strings, got ${quoteValue(r[key])}; default used`);
    }
  }
  if (r.maxFileSize !== undefined) {
    if (typeof r.maxFileSize === 'number' && Number.isFinite(r.maxFileSize) && r.maxFileSize > MAX_FILE_SIZE_CAP) {
      s.maxFileSize = MAX_FILE_SIZE_CAP;
      problems.push(`phpLeak.maxFileSize: ${r.maxFileSize} is above the cap of ${MAX_FILE_SIZE_CAP} bytes; ${MAX_FILE_SIZE_CAP} used`);
    } else if (typeof r.maxFileSize === 'number' && Number.isFinite(r.maxFileSize) && r.maxFileSize >= 0) s.maxFileSize = r.maxFileSize;
    else problems.push(`phpLeak.maxFileSize: expected a number of bytes >= 0, got ${quoteValue(r.maxFileSize)}; default (${DEFAULT_SETTINGS.maxFileSize}) used`);
  }
  if (r.analysisTimeBudget !== undefined) {
    const b = r.analysisTimeBudget;
    if (typeof b === 'number' && Number.isFinite(b) && b > MAX_BUDGET_MS) {
      s.analysisTimeBudget = MAX_BUDGET_MS;
      problems.push(`phpLeak.analysisTimeBudget: ${b} ms is above the cap of ${MAX_BUDGET_MS} ms; ${MAX_BUDGET_MS} used`);
    } else if (typeof b === 'number' && Number.isFinite(b) && b >= 0) s.analysisTimeBudget = b;
    else problems.push(`phpLeak.analysisTimeBudget: expected a number of milliseconds >= 0 (0 = no budget), got ${quoteValue(b)}; default (${DEFAULT_SETTINGS.analysisTimeBudget}) used`);
  }
  if (r.includeThirdParty !== undefined) {
    if (typeof r.includeThirdParty === 'boolean') s.includeThirdParty = r.includeThirdParty;
    else problems.push(`phpLeak.includeThirdParty: expected true or false, got ${quoteValue(r.includeThirdParty)}; default (false) used`);
  }
  if (s.includeThirdParty) s.exclude = s.exclude.filter((g) => !THIRD_PARTY_EXCLUDES.includes(g));
  return { settings: s, problems };
}
