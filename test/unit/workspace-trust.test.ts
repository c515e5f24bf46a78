// Workspace trust: opening a workspace never runs its code, and the manifest says so to VS
// Code. Static analysis is supported in Restricted Mode; the two commands that run the
// workspace's PHP code (measure, valgrind) are disabled there (`enablement`), and the client
// checks vscode.workspace.isTrusted again when they are called through executeCommand.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/paths';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const RUNS_WORKSPACE_CODE = ['phpLeak.measureMemory', 'phpLeak.runValgrind'];

describe('workspace trust (package.json capabilities)', () => {
  it('declares untrustedWorkspaces "limited" with a description naming what needs trust', () => {
    const u = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(u?.supported, 'limited');
    assert.match(u.description, /Restricted Mode/);
    for (const title of ['Measure Memory per Request', 'Run under valgrind']) assert.ok(u.description.includes(title), title);
  });

  it('the commands that run workspace code are enabled only in a trusted workspace; the others always', () => {
    const cmds: Array<{ command: string; enablement?: string }> = pkg.contributes.commands;
    for (const c of cmds) {
      if (RUNS_WORKSPACE_CODE.includes(c.command)) assert.equal(c.enablement, 'isWorkspaceTrusted', c.command);
      else assert.equal(c.enablement, undefined, `${c.command} must stay available in Restricted Mode`);
    }
    assert.deepEqual(cmds.filter((c) => c.enablement).map((c) => c.command).sort(), [...RUNS_WORKSPACE_CODE].sort());
  });

  it('the client guards the same two commands with vscode.workspace.isTrusted', () => {
    // The client cannot be loaded outside VS Code; its registration is read as TypeScript source.
    const ts = require('typescript') as typeof import('typescript');
    const file = path.join(repoRoot, 'client', 'src', 'runtime', 'commands.ts');
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const guarded = new Set<string>();
    const visit = (n: import('typescript').Node) => {
      if (ts.isCallExpression(n) && n.expression.getText(sf) === 'vscode.commands.registerCommand') {
        const [id, handler] = n.arguments;
        if (id && ts.isStringLiteral(id) && handler && ts.isCallExpression(handler) && handler.expression.getText(sf) === 'trustedOnly') guarded.add(id.text);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    assert.deepEqual([...guarded].sort(), [...RUNS_WORKSPACE_CODE].sort());
    assert.match(sf.getFullText(), /if \(!vscode\.workspace\.isTrusted\)/);
  });
});
