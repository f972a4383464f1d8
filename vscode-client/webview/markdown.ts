/**
 * Safe markdown for the chat view: markdown-it with raw HTML off (it is escaped, never
 * rendered), no images (nothing loads from anywhere), and links limited to http(s),
 * which open through the extension. The CSP is the second line of defence.
 */

import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
md.disable(["image"]);
md.validateLink = (url: string): boolean => /^https?:\/\//i.test(url.trim());

export function renderMarkdown(text: string): string {
  return md.render(text);
}
