import Handlebars from 'handlebars';
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
    slots.push({ node, render: slotRenderer(node, mode), key });
    // (The typings call `original` StripFlags; Handlebars' parser stores the source text there.)
    return { type: 'ContentStatement', original: text, value: text, loc: node.loc } as unknown as hbs.AST.ContentStatement;
  });
  return { skeleton: compileStatements(body, mode), slots };
}

type AnyNode = hbs.AST.Node & Record<string, unknown>;

/**
 * The slot compiled alone; a plain path (`{{subscriber.name}}`, `{{{unsubscribeUrl}}}`) is read
 * directly instead, as Handlebars' compiled code reads it, without the set-up Handlebars runs on
 * every call (its helpers and prototype guards copied per call: most of a short slot's cost). A
 * value that needs those guards (a function, an inherited property) is left to the compiled slot.
 */
function slotRenderer(node: hbs.AST.Statement, mode: Mode): Compiled {
  const compiled = compileStatements([node], mode);
  const parts = plainPath(node);
  if (!parts) return compiled;
  const escaped = mode === 'html' && (node as hbs.AST.MustacheStatement).escaped;
  return (context) => {
    let value: unknown = context;
    for (const part of parts) {
      if (value == null) break;
      const next = (value as Record<string, unknown>)[part];
      if (next != null && (typeof next === 'function' || !Object.prototype.hasOwnProperty.call(value, part))) {
        return compiled(context);
      }
      value = next;
    }
    // `'' +` as Handlebars converts (an object's valueOf first), not String().
    return escaped ? Handlebars.escapeExpression(value as string) : '' + (value ?? '');
  };
}

/** The segments of a mustache that only reads a path from the top of the context; else null. */
export function plainPath(node: hbs.AST.Statement): string[] | null {
  if (node.type !== 'MustacheStatement') return null;
  const mustache = node as hbs.AST.MustacheStatement;
  const path = mustache.path as hbs.AST.PathExpression;
  if (path.type !== 'PathExpression' || mustache.params.length > 0 || mustache.hash || topName(path) === null) return null;
  // A lone helper name is a call (`{{log}}`), not a lookup.
  if (path.parts.length === 1 && HELPER_NAMES.has(path.parts[0])) return null;
  return path.parts;
}

/** True when the statement reads nothing but names in `constant`, at the top of the context. */
function isConstant(node: hbs.AST.Node, constant: ReadonlySet<string>): boolean {
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
