// Custom messages between the client and the server (also usable by other LSP clients).
import type { Profile, ProfileSetting } from '../engine/types';

/** Request `phpLeak/scanWorkspace`: analyse every matching file of the workspace folders. */
export const ScanWorkspaceRequest = 'phpLeak/scanWorkspace';

export interface ScanWorkspaceParams {
  /** Folder URIs to scan; all workspace folders when absent. */
  folders?: string[];
  workDoneToken?: string | number;
}

export interface ScanWorkspaceResult {
  files: number;
  findings: number;
  skipped: Array<{ path: string; reason: string }>;
  cancelled: boolean;
}

/** Notification `phpLeak/status` (server -> client): what the status bar shows. */
export const StatusNotification = 'phpLeak/status';

export interface StatusParams {
  /** The document the profile was computed for (the last one analysed). */
  uri?: string;
  profile: Profile;
  reason: string;
  /** Findings across every document with published diagnostics. */
  findings: number;
  /** Runtime findings left out because their lines were edited or deleted since the run (re-run the measurement). */
  staleRuntimeFindings?: number;
}

/**
 * Notification `phpLeak/runtimeFindings` (client -> server): findings measured at runtime
 * (valgrind, a debug build's leak log). The server shows them beside the static findings of
 * those files and marks a static finding they confirm. Each message replaces the runtime
 * findings of its `source`; an empty `files` clears them.
 *
 * Lines are those of the run: the server anchors each finding to the text of its line in the
 * file on disk (else the document's text) and moves it with the document's edits; a finding
 * whose line is edited or deleted is left out, and one information diagnostic per source on
 * the first line says how many were dropped ("… dropped after edits … re-run the measurement").
 */
export const RuntimeFindingsNotification = 'phpLeak/runtimeFindings';

export interface RuntimeFindingsParams {
  /** Which tool produced them: 'valgrind' or 'debug-build'. */
  source: 'valgrind' | 'debug-build';
  files: Array<{ uri: string; findings: import('../engine/types').Finding[] }>;
  /**
   * What decides the severity of 'debug-build' findings, as `php-leak import-leak-log
   * --runtime` does (warning under php-fpm, error in a long-running runtime): 'fpm' or
   * 'long-running' as the findings were sent; 'auto': the runtime profile the server decides
   * for each document (phpLeak.runtime, composer.json, …: the one its static findings use),
   * as sent for a document it has not analysed. Absent: the severities as sent.
   */
  runtime?: ProfileSetting;
}
