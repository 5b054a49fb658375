import { Compiled, compileStatements, HELPER_NAMES, Mode, parseTemplate } from './template-engine';

/** Stands where a per-recipient statement was (Handlebars refuses NUL in a template's source). */
export const marker = (n: number): string => `\u0000${n}\u0000`;
// eslint-disable-next-line no-control-regex -- NUL is the marker, chosen because no template holds one
export const MARKERS = /\u0000(\d+)\u0000/g;

/** A top-level statement that reads per-recipient data, compiled on its own. */
export interface Slot {
  node: hbs.AST.Statement;
  /** Run on the recipient's whole context, it prints what the full template prints in its place. */
  render: Compiled;
  /** Statements with the same key print the same for one context (null: not shared). */
  key: string | null;
}

/** A template as a skeleton (each slot replaced by `marker(i)`) and its slots. */
export interface SplitTemplate {
  /** Renders the rest of the template; it reads nothing but the constant names. */
  skeleton: Compiled;
  slots: Slot[];
}

/**
 * Splits a template for rendering it once per bulletin instead of once per recipient: every
 * top-level statement that may read anything but the `constant` names (the site, a subject that
 * is the same for all) becomes a slot. Anything doubtful (`this`, `../`, `@root`, block
 * parameters) counts as per-recipient, so a slot too many costs a render, never a wrong message.
 */
export function splitTemplate(source: string, mode: Mode, constant: ReadonlySet<string>): SplitTemplate {
  const program = parseTemplate(source);
  const slots: Slot[] = [];
  const body = program.body.map((node): hbs.AST.Statement => {
    if (isConstant(node, constant)) return node;
    const text = marker(slots.length);
    // A mustache is a function of its parsed form alone (where it stands does not matter); a
    // block's inner whitespace also depends on its neighbours (standalone lines): not shared.
    const key =
      node.type === 'MustacheStatement' ? `${mode}:${JSON.stringify(node, (name, value) => (name === 'loc' ? undefined : value))}` : null;
    slots.push({ node, render: compileStatements([node], mode), key });
    // (The typings call `original` StripFlags; Handlebars' parser stores the source text there.)
    return { type: 'ContentStatement', original: text, value: text, loc: node.loc } as unknown as hbs.AST.ContentStatement;
  });
  return { skeleton: compileStatements(body, mode), slots };
}

type AnyNode = hbs.AST.Node & Record<string, unknown>;

/** True when the statement reads nothing but names in `constant`, at the top of the context. */
export function isConstant(node: hbs.AST.Node, constant: ReadonlySet<string>): boolean {
  return everyPath(node, (path) => constant.has(topName(path) ?? ''));
}

/** True when some path in the statement may name `name` at the top of the context. */
export function mayRead(node: hbs.AST.Node, name: string): boolean {
  return !everyPath(node, (path) => (topName(path) ?? name) !== name);
}

/** The name a path starts with at the top of the context; null where it may be anything else. */
function topName(path: hbs.AST.PathExpression): string | null {
  return !path.data && path.depth === 0 && !/^(this\b|\.)/.test(path.original) ? path.parts[0] : null;
}

/** `test` holds for every path the statement reads as data (helper names are not data). */
function everyPath(node: hbs.AST.Node, test: (path: hbs.AST.PathExpression) => boolean): boolean {
  const n = node as AnyNode;
  switch (node.type) {
    case 'ContentStatement':
    case 'CommentStatement':
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral':
    case 'UndefinedLiteral':
    case 'NullLiteral':
      return true;
    case 'PathExpression':
      return test(node as hbs.AST.PathExpression);
    case 'MustacheStatement':
    case 'SubExpression':
    case 'BlockStatement': {
      const call = n as unknown as hbs.AST.BlockStatement;
      const path = call.path as hbs.AST.PathExpression;
      const helper =
        path.type === 'PathExpression' &&
        HELPER_NAMES.has(path.original) &&
        (call.params.length > 0 || call.hash !== undefined || node.type === 'BlockStatement');
      const programs = [call.program, call.inverse].filter(Boolean) as hbs.AST.Program[];
      return (
        (helper || everyPath(path, test)) &&
        call.params.every((param) => everyPath(param, test)) &&
        (call.hash?.pairs ?? []).every((pair) => everyPath(pair.value, test)) &&
        programs.every((program) => !program.blockParams?.length && program.body.every((s) => everyPath(s, test)))
      );
    }
    default:
      return false; // partials, decorators: never constant
  }
}
