import { LINK_ATTRIBUTE, Mode, neutralizeLink } from './template-engine';
import { MARKERS, marker, mayRead, plainPath, Slot, splitTemplate as split, SplitTemplate } from './template-split';

/** Prints one per-recipient value; `memo` shares equal statements' output within one message. */
export type Fill = (context: object, memo: Map<string, string>) => string;

/** One body as the text all recipients share, around per-recipient values. */
export interface SplicedParts {
  /** One more than `fills`: statics[0], fill 0, statics[1], … */
  statics: string[];
  fills: Fill[];
}

/** One recipient's body: the shared parts and this recipient's values, in order. */
export interface SplicedBody {
  parts: SplicedParts;
  values: string[];
}

/** A message rendered once for every recipient of one language. */
export interface MessagePlan {
  /** The subject when it is the same for everyone, else null (rendered per recipient). */
  subject: string | null;
  html: SplicedParts;
  text: SplicedParts;
}

export interface PlanSources {
  subject: string;
  html: string;
  text: string;
  layoutHtml: string;
  layoutText: string;
}

class PlanUnsafe extends Error {}

/** A value, a quote, `<`, `>` or `=` from a slot could change which link attributes the HTML has. */
// eslint-disable-next-line no-control-regex -- markers are NUL-delimited (template-split)
const ATTRIBUTE_NAME_AFTER_MARKER = /\u0000\d+\u0000[\s\w:.\-\u0000]*=/;
const CLOSED_QUOTES = /^("[^"]*"|'[^']*')$/;

/**
 * The message as `MessageRenderer.render` makes it, split into shared text and per-recipient
 * values, or null where splitting could differ from a full render (then every message is
 * rendered whole). HTML values are escaped by Handlebars (no `<>"'=` in them), so the link
 * check of the layout's output (`neutralizeUnsafeLinks`) runs once on the shared text; only a
 * link attribute with a value inside is checked per recipient.
 */
export function planMessage(
  sources: PlanSources,
  site: { name: string; baseUrl: string },
  finishSubject: (subject: string) => string,
): MessagePlan | null {
  try {
    return new PlanBuilder(sources, site, finishSubject).build();
  } catch (error) {
    if (error instanceof PlanUnsafe) return null;
    throw error;
  }
}

class PlanBuilder {
  private readonly fills: Fill[] = [];
  private constant = new Set(['site']);
  private context: Record<string, unknown>;

  constructor(
    private readonly sources: PlanSources,
    site: { name: string; baseUrl: string },
    private readonly finishSubject: (subject: string) => string,
  ) {
    this.context = { site };
  }

  build(): MessagePlan {
    const subjectTemplate = split(this.sources.subject, 'text', this.constant);
    let subject: string | null = null;
    if (subjectTemplate.slots.length === 0) {
      subject = this.finishSubject(subjectTemplate.skeleton(this.context));
      this.constant = new Set(['site', 'subject', 'bulletin']);
      this.context = { ...this.context, subject, bulletin: { subject } };
    }
    const body = this.adopt(split(this.sources.html, 'html', this.constant), 'html');
    const html = this.withLinksChecked(this.adopt(split(this.sources.layoutHtml, 'html', this.constant), 'html', body));
    const bodyText = this.adopt(split(this.sources.text, 'text', this.constant), 'text');
    const text = this.adopt(split(this.sources.layoutText, 'text', this.constant), 'text', bodyText);
    return { subject, html: this.parts(html), text: this.parts(text) };
  }

  /**
   * The template's skeleton rendered, its slots as markers of this plan; in a layout (`body`
   * given) the `{{{body}}}` slots become the body's own skeleton.
   */
  private adopt(template: SplitTemplate, mode: Mode, body?: string): string {
    const local = template.skeleton(this.context);
    // Each marker once, in order, or a constant value (a site's name) looked like one.
    const found = Array.from(local.matchAll(MARKERS), (match) => Number(match[1]));
    if (found.length !== template.slots.length || found.some((n, i) => n !== i)) throw new PlanUnsafe();
    return local.replace(MARKERS, (_, index: string) => {
      const slot = template.slots[Number(index)];
      if (body !== undefined && isBody(slot.node, mode)) return body;
      // The body is not rendered whole here, so nothing else in a layout may read it.
      if (body !== undefined && mayRead(slot.node, 'body')) throw new PlanUnsafe();
      if (mode === 'html' && !escapedOnly(slot.node)) throw new PlanUnsafe();
      return marker(this.fills.push(memoized(slot)) - 1);
    });
  }

  /** `neutralizeUnsafeLinks` on the shared HTML; attributes with a value inside become fills. */
  private withLinksChecked(html: string): string {
    if (ATTRIBUTE_NAME_AFTER_MARKER.test(html)) throw new PlanUnsafe();
    return html.replace(LINK_ATTRIBUTE, (whole: string, prefix: string, quoted: string) => {
      if (!whole.includes('\u0000')) return neutralizeLink(whole, prefix, quoted);
      // Unquoted, a value's spaces would end the attribute somewhere else than in the skeleton.
      if (!CLOSED_QUOTES.test(quoted)) throw new PlanUnsafe();
      const fills = this.fills;
      const link: Fill = (context, memo) => {
        const value = quoted.replace(MARKERS, (_, index: string) => fills[Number(index)](context, memo));
        return neutralizeLink(prefix + value, prefix, value);
      };
      return marker(fills.push(link) - 1);
    });
  }

  private parts(skeleton: string): SplicedParts {
    const pieces = skeleton.split(MARKERS);
    return {
      statics: pieces.filter((_, i) => i % 2 === 0),
      fills: pieces.filter((_, i) => i % 2 === 1).map((index) => this.fills[Number(index)]),
    };
  }
}

function memoized(slot: Slot): Fill {
  const { key, render } = slot;
  if (key === null) return (context) => render(context);
  return (context, memo) => {
    let value = memo.get(key);
    if (value === undefined) memo.set(key, (value = render(context)));
    return value;
  };
}

/** `{{{body}}}` (in text, where nothing is escaped, `{{body}}` too). */
function isBody(node: hbs.AST.Statement, mode: Mode): boolean {
  const path = plainPath(node);
  return path?.length === 1 && path[0] === 'body' && (mode === 'text' || !(node as hbs.AST.MustacheStatement).escaped);
}

/** Prints only escaped values and text without `<>"'=` or a backtick, whatever the data. */
function escapedOnly(node: hbs.AST.Node): boolean {
  switch (node.type) {
    case 'MustacheStatement':
      return (node as hbs.AST.MustacheStatement).escaped;
    case 'CommentStatement':
      return true;
    case 'ContentStatement':
      return !/[<>"'`=]/.test((node as hbs.AST.ContentStatement).value);
    case 'BlockStatement': {
      const block = node as hbs.AST.BlockStatement;
      return [block.program, block.inverse].every((program) => !program || program.body.every(escapedOnly));
    }
    default:
      return false;
  }
}
