// The official SARIF 2.1.0 schema (sarif-2.1.0-rtm.5.json, shipped by @microsoft/jest-sarif),
// compiled with ajv's draft-04 flavour: what every SARIF test validates against.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';
import { repoRoot } from './paths';

export const SCHEMA = path.join(repoRoot, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');

export function compileSchema(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  ajv.addFormat('uri', /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/);
  ajv.addFormat('uri-reference', /^\S*$/);
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
}
