// The document's PHP model for rules: parse (shared), file model, and the
// workspace index's facts applied (container singletons registered in other
// files). Computed once per analysis.
import { phpAstOf } from './parse';
import { buildFileModel, type PhpFileModel } from './scopes';
import { applyIndexToModel, phpIndexOf, type PhpIndex } from './index';
import type { RuleContext } from '../types';

export interface PhpModel {
  model: PhpFileModel;
  index: PhpIndex;
}

/** Undefined when the file does not parse at all. */
export function phpModelOf(ctx: RuleContext): PhpModel | undefined {
  return ctx.shared('php.model+index', () => {
    const ast = phpAstOf(ctx);
    if (!ast.program) return undefined;
    let model: PhpFileModel;
    try {
      model = buildFileModel(ast.program, { path: ctx.doc.path });
    } catch {
      return undefined;
    }
    let index: PhpIndex;
    try {
      index = phpIndexOf(ctx, model);
    } catch {
      index = { entries: [], partial: true, files: new Set(), longLived: new Map(), reach: new Map() };
    }
    applyIndexToModel(model, index);
    return { model, index };
  });
}
