// Custom messages between the client and the server (also usable by other LSP clients).
import type { Profile } from '../engine/types';

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
}

/**
 * Notification `phpLeak/runtimeFindings` (client -> server): findings measured at runtime
 * (valgrind, a debug build's leak log). The server shows them beside the static findings of
 * those files and marks a static finding they confirm. Each message replaces the runtime
 * findings of its `source`; an empty `files` clears them.
 */
export const RuntimeFindingsNotification = 'phpLeak/runtimeFindings';

export interface RuntimeFindingsParams {
  /** Which tool produced them: 'valgrind' or 'debug-build'. */
  source: 'valgrind' | 'debug-build';
  files: Array<{ uri: string; findings: import('../engine/types').Finding[] }>;
}
