import { AppException } from '../../common/app-exception';
import {
  checkTemplate,
  compile,
  htmlTemplateToText,
  mentions,
  neutralizeUnsafeLinks,
} from './template-engine';

function errorOf(
  source: string,
  field = 'html',
): { code: string; message: string; line: number | null } {
  try {
    checkTemplate(source, field);
  } catch (error) {
    const body = (error as AppException).getResponse() as {
      code: string;
      message: string;
      line: number | null;
    };
    return body;
  }
  throw new Error('expected a template error');
}

describe('template engine', () => {
  it('accepts every variable and helper a template may use', () => {
    expect(() =>
      checkTemplate(
        '{{#if subscriber.name}}{{subscriber.name}}{{else}}{{default subscriber.name "friend"}}{{/if}} ' +
          '{{#each subscriber.attributes}}{{@key}}={{this}}{{/each}} {{site.name}} {{bulletin.subject}} {{{body}}}',
        'html',
      ),
    ).not.toThrow();
  });

  it('names the field and the line of a syntax error', () => {
    const error = errorOf('<p>one</p>\n<p>{{#if subscriber.name}}two</p>', 'html');
    expect(error.code).toBe('template_syntax');
    expect(error.message).toMatch(/^html: .*line 2/);
    expect(error.line).toBe(2);
    expect(errorOf('a\nb\n{{subscriber.name', 'text')).toMatchObject({ line: 3 });
  });

  it('refuses what would only fail at send time: unknown helpers, partials, helpers without argument', () => {
    expect(errorOf('line\n{{shout subscriber.name}}')).toMatchObject({
      code: 'template_syntax',
      line: 2,
    });
    expect(errorOf('{{> footer}}').message).toContain('partials');
    expect(errorOf('one\ntwo\n{{#if}}x{{/if}}')).toMatchObject({ line: 3 });
    expect(errorOf('{{#each}}x{{/each}}').code).toBe('template_syntax');
  });

  it('escapes values in HTML mode and not in text mode; missing values render empty', () => {
    const context = { subscriber: { name: '<b>"Иван" & Co</b>' } };
    expect(compile('Hi {{subscriber.name}}{{subscriber.missing.deep}}!', 'html')(context)).toBe(
      'Hi &lt;b&gt;&quot;Иван&quot; &amp; Co&lt;/b&gt;!',
    );
    expect(compile('Hi {{subscriber.name}}!', 'text')(context)).toBe('Hi <b>"Иван" & Co</b>!');
  });

  it('does not reach prototypes through values', () => {
    expect(
      compile('{{constructor.name}}{{subscriber.__proto__}}', 'html')({ subscriber: {} }),
    ).toBe('');
  });

  it('finds mustaches, honouring triple braces when asked', () => {
    expect(mentions('<a href="{{unsubscribeUrl}}">x</a>', 'unsubscribeUrl')).toBe(true);
    expect(mentions('unsubscribeUrl', 'unsubscribeUrl')).toBe(false);
    expect(mentions('{{#if x}}{{unsubscribeUrl}}{{/if}}', 'unsubscribeUrl')).toBe(true);
    expect(mentions('{{body}}', 'body', true)).toBe(false);
    expect(mentions('{{{body}}}', 'body', true)).toBe(true);
  });

  it('turns HTML templates into text templates once, keeping variable names', () => {
    const text = htmlTemplateToText(
      '<h1>Hello {{subscriber.name}}</h1><p><a href="{{unsubscribeUrl}}">Leave</a></p>',
    );
    expect(text).toContain('Hello {{subscriber.name}}');
    expect(text).toContain('Leave [{{unsubscribeUrl}}]');
  });

  it.each([
    ['<a href="javascript:alert(1)">x</a>', '<a href="#">x</a>'],
    ['<a href=" JaVa\tScRiPt:alert(1)">x</a>', '<a href="#">x</a>'],
    ['<a href="java&#x73;cript&colon;alert(1)">x</a>', '<a href="#">x</a>'],
    ["<a href='data:text/html,<b>'>x</a>", '<a href="#">x</a>'],
    ['<a href=vbscript:x>x</a>', '<a href="#">x</a>'],
    ['<img src="data:text/html;base64,AAAA">', '<img src="#">'],
  ])('neutralizes unsafe link %p', (html, expected) => {
    expect(neutralizeUnsafeLinks(html)).toBe(expected);
  });

  it.each([
    '<a href="https://example.com/?a=1&amp;b=2">x</a>',
    '<a href="http://example.com">x</a>',
    '<a href="mailto:a@example.com">x</a>',
    '<a href="/relative">x</a>',
    '<a href="#top">x</a>',
    '<img src="cid:logo">',
    '<img src="data:image/png;base64,AAAA">',
    '<p>a=b: javascript:alert(1)</p>',
  ])('keeps safe markup %p', (html) => {
    expect(neutralizeUnsafeLinks(html)).toBe(html);
  });
});
