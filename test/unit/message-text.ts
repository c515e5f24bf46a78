// What a diagnostic's message must look like in the Problems view and inline (Error Lens):
// a first sentence under 120 characters that says what leaks and where; the lifetime
// explanation lives in the hover and the related information.
import * as assert from 'assert';
import type { Finding } from '../../server/src/engine';

export const MAX_FIRST_SENTENCE = 120;

/** The message up to the first sentence end (`.`, `!`, `?` before a space or the end), else all of it. */
export function firstSentence(message: string): string {
  const m = /[.!?](?=\s|$)/.exec(message);
  return m ? message.slice(0, m.index + 1) : message;
}

export function assertShortLead(f: Pick<Finding, 'message' | 'ruleId'>, where = ''): void {
  const s = firstSentence(f.message);
  assert.ok(s.length < MAX_FIRST_SENTENCE, `${f.ruleId}${where ? ` ${where}` : ''}: first sentence is ${s.length} characters (< ${MAX_FIRST_SENTENCE} expected): ${JSON.stringify(s)}`);
}
