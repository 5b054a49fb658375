import Handlebars from 'handlebars';
import { compile as compileConverter } from 'html-to-text';
import { createHash } from 'node:crypto';
import { badRequest } from '../../common/app-exception';

/** Our own Handlebars instance: helpers registered here never leak into, or come from, other code. */
const engine = Handlebars.create();

engine.registerHelper('default', (value: unknown, fallback: unknown) =>
  value === undefined || value === null || value === '' ? fallback : value,
);

const KNOWN_HELPERS = { default: true };
/** Built-in block helpers that take exactly one argument; Handlebars only notices at render time. */
const ONE_ARGUMENT = new Set(['if', 'unless', 'with', 'each']);

export type Compiled = (context: object) => string;
export type Mode = 'html' | 'text';

const MAX_CACHED = 2000;
const cache = new Map<string, Compiled>();

/**
 * Compiles once per process and source: a bulletin's templates are compiled for its first
 * recipient and reused for the other 100k. `text` mode does not HTML-escape (subjects, text parts).
 */
export function compile(source: string, mode: Mode): Compiled {
  const key = `${mode}:${sha1(source)}`;
  let compiled = cache.get(key);
  if (!compiled) {
    const template = engine.compile(source, compileOptions(mode));
    compiled = (context) => template(context);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, compiled);
  }
  return compiled;
}

const compileOptions = (mode: Mode) => ({
  noEscape: mode === 'text',
  knownHelpers: KNOWN_HELPERS,
  knownHelpersOnly: true,
  preventIndent: true,
});

/** The parsed template, whitespace control applied, as `compile` would see it. */
export function parseTemplate(source: string): hbs.AST.Program {
  return engine.parse(source);
}

/**
 * Compiles statements taken from `parseTemplate` (not cached). Their whitespace was already
 * settled against their original neighbours, so standalone lines are not looked for again.
 */
export function compileStatements(body: hbs.AST.Statement[], mode: Mode): Compiled {
  const program: hbs.AST.Program = { type: 'Program', body, blockParams: [], loc: body[0]?.loc };
  const template = engine.compile(program, { ...compileOptions(mode), ignoreStandalone: true });
  return (context) => template(context);
}

/** Helpers a template may call (Handlebars' built-ins and ours): their names are not data. */
export const HELPER_NAMES: ReadonlySet<string> = new Set([
  ...['if', 'unless', 'each', 'with', 'lookup', 'log'],
  ...Object.keys(KNOWN_HELPERS),
]);

/** Sample data for the save-time check: every variable a template may use. */
const SAMPLE = {
  subscriber: { email: 'a@example.com', name: 'A', locale: 'en', attributes: { city: 'X' } },
  site: { name: 'Site', baseUrl: 'https://example.com' },
  bulletin: { subject: 'S' },
  subject: 'S',
  unsubscribeUrl: 'https://example.com/u',
  confirmUrl: 'https://example.com/c',
  body: '<p>body</p>',
};

/**
 * Refuses a template that would fail at send time: 400 `template_syntax` naming the field and,
 * where known, the line. Parses, compiles and renders it once with sample data.
 */
export function checkTemplate(source: string, field: string): void {
  let ast: hbs.AST.Program;
  try {
    ast = engine.parse(source);
  } catch (error) {
    throw syntaxError(field, error);
  }
  const problem = findUnsupported(ast);
  if (problem) throw syntaxError(field, new Error(problem.message), problem.line);
  try {
    compile(source, 'html')(SAMPLE);
  } catch (error) {
    throw syntaxError(field, error);
  }
}

/** True when the template outputs `{{name}}` (or, with `unescaped`, only `{{{name}}}`) somewhere. */
export function mentions(source: string, name: string, unescaped = false): boolean {
  let found = false;
  walk(engine.parse(source), (node) => {
    if (node.type === 'MustacheStatement') {
      const mustache = node as hbs.AST.MustacheStatement;
      const path = mustache.path as hbs.AST.PathExpression;
      if (
        path.type === 'PathExpression' &&
        path.original === name &&
        (!unescaped || !mustache.escaped)
      )
        found = true;
    }
  });
  return found;
}

/**
 * A text template from an HTML template, for bulletins and layouts saved without a text part:
 * converting the template once (not every rendered message) keeps the per-recipient cost to one
 * render. Headings keep their case so `{{subscriber.name}}` does not become `{{SUBSCRIBER.NAME}}`.
 * Returns null when the result is not a valid template; callers then convert each rendered message.
 */
export function htmlTemplateToText(source: string): string | null {
  const text = htmlToText(source);
  try {
    compile(text, 'text')(SAMPLE);
    return text;
  } catch {
    return null;
  }
}

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

/** Compiled once: html-to-text's option handling costs more than a small conversion. */
const converter = compileConverter({
  wordwrap: false,
  selectors: [
    ...HEADINGS,
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
  ],
});

/** Plain text of an HTML document: links as `text [url]`, no images, no line wrapping. */
export function htmlToText(html: string): string {
  return converter(html);
}

/** Each link attribute: its name with `=` (group 1) and its value, quoted or not (group 2). */
export const LINK_ATTRIBUTE =
  /(\s(?:href|src|action|formaction|background|poster|xlink:href)\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)/gi;
// eslint-disable-next-line no-control-regex
const CONTROL_AND_SPACE = /[\u0000-\u0020\u007f-\u009f]+/g;
const PLAIN_WEB_LINK = /^https?:\/\/[^&\s]*$/;
const SAFE_SCHEME = /^(https?|mailto):/;
const SAFE_IMAGE = /^(cid:|data:image\/(png|gif|jpeg|webp);)/;

/**
 * Where a value becomes a link, only http, https (and mailto) survive: any other scheme
 * (javascript:, data:, vbscript:, …) in a link attribute of the rendered HTML becomes `#`.
 */
export function neutralizeUnsafeLinks(html: string): string {
  if (!html.includes('=')) return html;
  return html.replace(LINK_ATTRIBUTE, neutralizeLink);
}

/** One link attribute as `neutralizeUnsafeLinks` leaves it: as it was, or its value `#`. */
export function neutralizeLink(whole: string, prefix: string, quoted: string): string {
  const value = /^["']/.test(quoted) ? quoted.slice(1, -1) : quoted;
  if (PLAIN_WEB_LINK.test(value)) return whole; // the common case, without decoding
  // Browsers ignore control characters and spaces inside a scheme ("java\tscript:").
  const plain = decodeEntities(value).replace(CONTROL_AND_SPACE, '').toLowerCase();
  const scheme = /^[a-z][a-z0-9+.-]*:/.exec(plain);
  if (!scheme || SAFE_SCHEME.test(plain)) return whole;
  if (/\ssrc\s*=/i.test(prefix) && SAFE_IMAGE.test(plain)) return whole;
  return `${prefix}"#"`;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) =>
      String.fromCodePoint(parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(parseInt(dec, 10) % 0x110000))
    .replace(/&colon;/gi, ':')
    .replace(/&(tab|newline);/gi, '');
}

function findUnsupported(ast: hbs.AST.Program): { message: string; line?: number } | null {
  let problem: { message: string; line?: number } | null = null;
  walk(ast, (node) => {
    if (problem) return;
    const line = node.loc?.start.line;
    if (node.type === 'PartialStatement' || node.type === 'PartialBlockStatement') {
      problem = { message: 'partials ({{> …}}) are not supported', line };
    } else if (node.type === 'DecoratorBlock' || node.type === 'Decorator') {
      problem = { message: 'decorators are not supported', line };
    } else if (node.type === 'BlockStatement' || node.type === 'MustacheStatement') {
      const statement = node as hbs.AST.BlockStatement;
      const name = (statement.path as hbs.AST.PathExpression).original;
      if (
        node.type === 'BlockStatement' &&
        ONE_ARGUMENT.has(name) &&
        statement.params.length !== 1
      ) {
        problem = { message: `#${name} needs exactly one argument`, line };
      }
    }
  });
  return problem;
}

function walk(node: hbs.AST.Node, visit: (node: hbs.AST.Node) => void): void {
  visit(node);
  const n = node as unknown as Record<string, unknown>;
  for (const key of ['body', 'program', 'inverse']) {
    const child = n[key];
    if (Array.isArray(child)) child.forEach((c) => walk(c as hbs.AST.Node, visit));
    else if (child && typeof child === 'object') walk(child as hbs.AST.Node, visit);
  }
}

function syntaxError(field: string, error: unknown, knownLine?: number) {
  const e = error as { message?: string; lineNumber?: number };
  const text = String(e.message ?? error);
  const line = knownLine ?? e.lineNumber ?? Number(/line (\d+)/.exec(text)?.[1] ?? NaN);
  // Handlebars' parse errors span lines (source excerpt and caret): keep the first and last.
  const lines = text.split('\n').filter((l) => l.trim() && !/^-*\^$/.test(l.trim()));
  const reason =
    lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : (lines[0] ?? 'invalid template');
  const where = Number.isFinite(line) ? ` on line ${line}` : '';
  return badRequest(
    'template_syntax',
    `${field}: template error${where}: ${reason.replace(/\s+/g, ' ').slice(0, 300)}`,
    {
      field,
      line: Number.isFinite(line) ? line : null,
    },
  );
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('base64');
