import MarkdownIt from 'markdown-it';

/**
 * Markdown messages (`content_type: text/markdown`) rendered safely: raw HTML in the message is
 * shown as text (`html: false`), and links and images may only point to http(s) or mailto, so a
 * `javascript:` link stays plain text. Loaded lazily, only when a Markdown message is shown.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });

md.validateLink = (url: string) => /^(https?:|mailto:)/i.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('target', '_blank');
  tokens[idx]!.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(text: string): string {
  return md.render(text);
}
