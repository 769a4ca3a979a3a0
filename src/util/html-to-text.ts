import { compile, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';

/** An `<img>` stands for its alt text alone: its address means nothing to a reader of plain text. */
const altText: FormatCallback = (elem, _walk, builder) => {
  const alt = (elem.attribs as Record<string, string> | undefined)?.alt;
  if (alt) builder.addInline(alt);
};

/**
 * A link keeps its address after its text, in parentheses, unless the text already is the
 * address. Only addresses a reader can use are printed: not fragments, javascript: or relative ones.
 */
const link: FormatCallback = (elem, walk, builder) => {
  const raw = ((elem.attribs as Record<string, string> | undefined)?.href ?? '').trim();
  if (!/^(?:https?:|mailto:|tel:)/i.test(raw)) {
    walk(elem.children, builder);
    return;
  }
  const bare = raw.replace(/^mailto:/i, '');
  let text = '';
  builder.pushWordTransform((word) => {
    text += word;
    return word;
  });
  walk(elem.children, builder);
  builder.popWordTransform();
  if (text === raw || text === bare) return;
  builder.addInline(text === '' ? bare : ` (${bare})`, { noWordTransform: true });
};

/** A table cell's text, then a space before the next cell; the row (a block) ends the line. */
const cell: FormatCallback = (elem, walk, builder) => {
  walk(elem.children, builder);
  builder.addInline(' ');
};

/** Hidden the ways email markup hides things: preheaders, Outlook-only blocks, templates. */
const HIDDEN = ['[hidden]', '[style*="display:none" i]', '[style*="display: none" i]', 'template', 'noscript', 'textarea', 'select', 'svg', 'math', 'iframe', 'object'];

const block = (selector: string, lines: number) => ({ selector, format: 'block', options: { leadingLineBreaks: lines, trailingLineBreaks: lines } });

const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  formatters: { altText, cell, link },
  // Deeper nesting is cut off rather than walked by recursion: hostile input must not overflow the stack.
  limits: { maxDepth: 256, ellipsis: '' },
  selectors: [
    { selector: 'a', format: 'link' },
    { selector: 'img', format: 'altText' },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 2 } })),
    { selector: 'hr', format: 'horizontalLine', options: { length: 3, leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'ul', options: { itemPrefix: '- ', leadingLineBreaks: 2, trailingLineBreaks: 2 } },
    { selector: 'ol', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
    // Email lays pages out with tables: rows are lines, cells are words, not a grid of columns.
    block('table', 2),
    block('tr', 1),
    { selector: 'td', format: 'cell' },
    { selector: 'th', format: 'cell' },
    { selector: 'blockquote', format: 'block', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
    ...HIDDEN.map((selector) => ({ selector, format: 'skip' })),
  ],
};

const convert = compile(OPTIONS);

/**
 * The text part of an email whose template only gave HTML, or of a mail that came with HTML
 * alone: what a reader would see, as plain text, through the `html-to-text` package. Links keep
 * their address after their text, in parentheses, lists get `- ` or `1. `, lines are not wrapped.
 */
export function htmlToText(html: string): string {
  if (html === '') return '';
  return convert(html)
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    // Runs of <br> or empty blocks make at most one blank line.
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
}
