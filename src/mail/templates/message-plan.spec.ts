import { BUILTIN_TEMPLATES, TemplateSource } from './builtin-templates';
import { MessageContent, MessageRenderer, Recipient, SplicedMessage } from './message-renderer';
import { SplicedBody } from './message-plan';

const site = { name: 'Вести "Сайта"', baseUrl: 'https://site.test', locale: 'ru' };
const builtin = (locale: 'ru' | 'en') => BUILTIN_TEMPLATES[locale].layout;

const recipients: Recipient[] = [
  { email: 'ivan@example.ru', name: 'Иван', locale: 'ru', attributes: { city: 'Москва', url: 'https://a.test/x' } },
  { email: 'o@example.com', name: '', locale: 'en', attributes: {} },
  { email: 'q@example.com', name: `O'Brien "<b>" & = \`x\` 🙂`, locale: null, attributes: { url: 'javascript:alert(1)', vip: true } },
  { email: 'n@example.com', name: ' href=javascript:x ', locale: null, attributes: { url: ' java\tscript:alert(1)', city: 'a\nb' } },
  { email: 'z@example.com', name: null, locale: null, attributes: null },
];
const linksFor = (i: number) => ({ unsubscribeUrl: `https://vestnik.test/unsubscribe/tok${i}.sig${i}` });

const joined = ({ parts, values }: SplicedBody) =>
  parts.statics.map((text, i) => text + (i < values.length ? values[i] : '')).join('');

/** A custom layout, the same for both languages. */
const layoutOf = (html: string, text: string) => (): TemplateSource => ({ subject: null, html, text });

function renderer(body: MessageContent, layout: (locale: 'ru' | 'en') => TemplateSource = builtin) {
  return new MessageRenderer(site, () => body, layout);
}

/** Every recipient's spliced message, checked against the full render; null entries fell back. */
function compare(r: MessageRenderer): (SplicedMessage | null)[] {
  return recipients.map((recipient, i) => {
    const full = r.render(recipient, linksFor(i));
    const spliced = r.renderSpliced(recipient, linksFor(i));
    if (spliced) {
      expect(spliced.subject).toBe(full.subject);
      expect(joined(spliced.html)).toBe(full.html);
      expect(joined(spliced.text)).toBe(full.text);
    }
    return spliced;
  });
}

const spliced = (r: MessageRenderer) => compare(r).every(Boolean);
const fellBack = (r: MessageRenderer) => compare(r).every((s) => s === null);

describe('renderSpliced', () => {
  it('splits the built-in layouts around a bulletin that greets by name', () => {
    const r = renderer({
      subject: 'Новости {{site.name}}',
      html: '<h1>Здравствуйте, {{subscriber.name}}!</h1>\n<p>Для вас, {{subscriber.name}}: <a href="{{site.baseUrl}}/c">каталог</a></p>',
    });
    expect(spliced(r)).toBe(true);
    const message = r.renderSpliced(recipients[0], linksFor(0))!;
    // The same statement twice is one value, computed once; the layout around it is shared text.
    expect(message.html.values.filter((v) => v === 'Иван')).toHaveLength(2);
    expect(message.html.parts.statics.join('')).toContain('<table role="presentation"');
  });

  it('handles blocks, helpers, whitespace control and paths that climb the context', () => {
    const bodies = [
      '<p>Hello{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!</p>',
      '<p>\n  {{#if subscriber.name}}\n  Hi {{subscriber.name}}\n  {{else}}\n  Hi there\n  {{/if}}\n</p>',
      '<p>{{default subscriber.name "друг"}}, {{subscriber.attributes.city}} {{lookup subscriber.attributes "city"}}</p>',
      '<p> {{~subscriber.name~}} | {{~site.name}} </p>\n{{! a comment }}\n',
      '<p>{{subscriber.name}}\r\n{{subscriber.email}}</p>\r\n<p>{{subscriber.locale}} {{subscriber.name}}</p>\r\n',
      '<p>{{this.subscriber.email}} {{@root.subscriber.locale}} {{../site.name}} {{subscriber.nothing.deeper}}</p>',
      '{{#with subscriber}}<p>{{name}} {{email}}</p>{{/with}}{{#unless subscriber.name}}<p>anonymous</p>{{/unless}}',
      '{{#if site.name}}<b title="{{site.name}}">{{site.name}}</b>{{/if}}<p>{{subscriber.name}}</p>',
    ];
    for (const html of bodies) compare(renderer({ subject: 'S {{site.name}}', html }));
    // The idioms above that print only escaped values split; `#with` prints markup from a block.
    expect(spliced(renderer({ subject: 'S', html: bodies[0] }))).toBe(true);
    expect(spliced(renderer({ subject: 'S', html: bodies[1] }))).toBe(true);
    expect(spliced(renderer({ subject: 'S', html: bodies[4] }))).toBe(true);
    expect(spliced(renderer({ subject: 'S', html: bodies[5] }))).toBe(true);
    expect(fellBack(renderer({ subject: 'S', html: bodies[6] }))).toBe(true);
  });

  it('renders a personal subject per recipient, also where the layout prints it', () => {
    const r = renderer({ subject: '{{subscriber.name}}, новости\n{{site.name}}', html: '<p>{{subject}} / {{bulletin.subject}}</p>' });
    expect(spliced(r)).toBe(true);
  });

  it('checks a link attribute with a personal value per recipient, as the full render does', () => {
    const r = renderer({ subject: 'S', html: '<p><a href="{{subscriber.attributes.url}}" title="{{subscriber.name}}">x</a></p>' });
    const messages = compare(r);
    expect(messages.every(Boolean)).toBe(true);
    expect(joined(messages[2]!.html)).toContain('<a href="#" title=');
    expect(joined(messages[0]!.html)).toContain('<a href="https://a.test/x"');
  });

  it('falls back to the full render where a value could change the markup around it', () => {
    const unsafe = [
      '<p><a href={{subscriber.attributes.url}}>x</a></p>', // unquoted: a space would end it elsewhere
      '<p>{{{subscriber.name}}}</p>', // not escaped
      '<p><a {{subscriber.name}}href="javascript:alert(1)">x</a></p>', // could become an attribute
      '{{#each subscriber.attributes}}<p>{{@key}}: {{this}}</p>{{/each}}', // markup from a block
    ];
    for (const html of unsafe) expect(fellBack(renderer({ subject: 'S', html }))).toBe(true);
  });

  it('does not mistake a constant value for one of its markers', () => {
    const odd = new MessageRenderer({ ...site, name: 'a\u00000\u0000b' }, () => ({ subject: 'S', html: '<p>{{site.name}} {{subscriber.name}}</p>' }), builtin);
    expect(fellBack(odd)).toBe(true);
  });

  it('keeps a text body or layout written by hand, and the layout around it', () => {
    const layout = layoutOf('<html><body>{{{body}}}<a href="{{unsubscribeUrl}}">out</a></body></html>', '{{body}}\n--\n{{site.name}}: {{unsubscribeUrl}}');
    const r = renderer({ subject: 'S', html: '<p>{{subscriber.name}}</p>', text: 'Hi {{subscriber.name}}\n' }, layout);
    expect(spliced(r)).toBe(true);
  });

  it('leaves it to the full render when a layout hides the way out from some recipients', () => {
    const text = '{{{body}}}{{#if subscriber.attributes.vip}}{{unsubscribeUrl}}{{/if}}';
    const layout = layoutOf('<html><body>{{{body}}}{{#if subscriber.attributes.vip}}<a href="{{unsubscribeUrl}}">out</a>{{/if}}</body></html>', text);
    // Markup in the block: no split at all. With the link as text, only the VIP recipient splits.
    expect(fellBack(renderer({ subject: 'S', html: '<p>x</p>' }, layout))).toBe(true);
    const textual = layoutOf('<html><body>{{{body}}}{{#if subscriber.attributes.vip}}{{unsubscribeUrl}}{{/if}}</body></html>', text);
    const messages = compare(renderer({ subject: 'S', html: '<p>x</p>' }, textual));
    expect(messages.map(Boolean)).toEqual([false, false, true, false, false]);
  });

  it('does not split a layout that reads the body anywhere but `{{{body}}}`', () => {
    const html = '<html><body>{{{body}}}{{#if body}}.{{/if}}{{unsubscribeUrl}}</body></html>';
    const text = '{{body}}{{unsubscribeUrl}}{{#if body}}!{{/if}}';
    const plain = { html: '<html><body>{{{body}}}{{unsubscribeUrl}}</body></html>', text: '{{body}}{{unsubscribeUrl}}' };
    const body = { subject: 'S', html: '<p>{{subscriber.name}}</p>' };
    expect(fellBack(renderer(body, layoutOf(html, plain.text)))).toBe(true);
    expect(fellBack(renderer(body, layoutOf(plain.html, text)))).toBe(true);
    expect(spliced(renderer(body, layoutOf(plain.html, plain.text)))).toBe(true);
    // An escaped `{{body}}` in HTML prints the body's markup as text: that is not the body's place.
    expect(fellBack(renderer(body, layoutOf('<html><body>{{body}}{{unsubscribeUrl}}</body></html>', plain.text)))).toBe(true);
  });

  it('reads plain paths as Handlebars does, whatever the value', () => {
    const odd: Recipient[] = [
      { email: 'a@example.com', name: 'A', locale: null, attributes: { n: 0, t: false, z: null, o: { a: 1 }, list: [1, '<b>'], s: '<i>' } },
      { email: 'b@example.com', name: 'B', locale: null, attributes: { n: 12.5, t: true, o: { toHTML: 'not a function' }, list: [] } },
      { email: 'c@example.com', name: 'C', locale: null, attributes: Object.assign(Object.create({ inherited: 'from the prototype' }), { s: 'own' }) },
    ];
    const paths = ['n', 't', 'z', 'missing', 'o', 'o.a', 'o.toHTML', 'list', 'list.length', 'list.[1]', 's', 's.length', 'inherited', 'constructor', 'toString', '__proto__', 'o.constructor'];
    const html = paths.map((path) => `<p>{{subscriber.attributes.${path}}}</p>`).join('\n');
    const text = paths.map((path) => `${path}: {{subscriber.attributes.${path}}} {{{subscriber.attributes.${path}}}}`).join('\n');
    // Handlebars warns (once per name) when it refuses an inherited property.
    const warnings = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    for (const body of [{ subject: 'S', html }, { subject: 'S', html, text }]) {
      const r = renderer(body);
      odd.forEach((recipient, i) => {
        const full = r.render(recipient, linksFor(i));
        const message = r.renderSpliced(recipient, linksFor(i))!;
        expect(joined(message.html)).toBe(full.html);
        expect(joined(message.text)).toBe(full.text);
      });
    }
    warnings.mockRestore();
  });

  it('agrees with the full render on generated templates', () => {
    const pieces = [
      '<p>', '</p>', ' text ', 'Ж', '\n', '  \n', '<a href="', '">', '<a href="https://x.test/?a=1&amp;b=2">l</a>',
      '{{subscriber.name}}', '{{subscriber.email}}', '{{subscriber.attributes.url}}', '{{site.name}}', '{{{site.baseUrl}}}',
      '{{#if subscriber.name}}', '{{else}}', '{{/if}}', '{{~subscriber.locale}}', '{{subscriber.locale~}}', '=', '"', ' src=',
      '<img src="{{subscriber.attributes.url}}">', '{{default subscriber.name "n"}}', '<a href=\'{{subscriber.name}}\'>',
    ];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let checked = 0;
    for (let n = 0; n < 300; n++) {
      let html = '';
      let open = 0;
      for (let p = next() % 12; p > 0; p--) {
        const piece = pieces[next() % pieces.length];
        if (piece === '{{#if subscriber.name}}') open++;
        if ((piece === '{{/if}}' || piece === '{{else}}') && open === 0) continue;
        if (piece === '{{/if}}') open--;
        html += piece;
      }
      html += '{{/if}}'.repeat(open);
      const r = renderer({ subject: 'S', html });
      try {
        r.render(recipients[0], linksFor(0));
      } catch {
        continue; // not a valid template (e.g. two `{{else}}`)
      }
      compare(r);
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
  });
});
