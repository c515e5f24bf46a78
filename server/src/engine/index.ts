// The engine's public surface: what the LSP server, the CLI and the tests use.
export * from './types';
export { LineIndex, containsPosition, rangesOverlap, clip, mdCode, mdText } from './text';
export { analyze, initEngine, effectiveSeverity, looksBinary, AnalysisBudgetExceeded } from './engine';
export {
  allRules,
  ruleRegistry,
  registeredRules,
  knownRuleIds,
  runtimeRuleMetas,
  ruleById,
  ruleKind,
  ruleDocsUrl,
  ruleDocsPath,
  ruleHelpUri,
  PROJECT_URL,
  BUDGET_RULE_ID,
  VALGRIND_RULE,
  DEBUG_LEAK_RULE,
  type RuleKind,
  type RegisteredRule,
} from './registry';
export { languageOf } from './language';
export { detectProfile, type ProfileDecision } from './profile';
export { installRoot, packageVersion, projectUrl, ruleDocsText, ruleReportDocs } from './installRoot';
export { DEFAULT_SETTINGS, SEVERITIES, normalizeSettings, type Settings, type NormalizedSettings, quoteValue, MAX_FILE_SIZE_CAP, MAX_BUDGET_MS } from './settings';
export { walkFiles, readText, decodeText, compileFilter, errorReason, type ScanEntry, type SkippedEntry, type ScanFilter } from './scan';
export { describeAt, composeHover, escapeBareHosts, profileHoverLine } from './hover';
export { parseIni, parseSize } from './config/ini';
export { DiskWorkspace, type DiskWorkspaceOptions } from './workspace';
