/**
 * Just enough Markdown for the documentation tests: fenced code blocks (with the line numbers
 * they sit on, so a failing example is reported where the reader sees it), links, and the
 * anchors GitHub gives headings.
 */

export interface FencedBlock {
  /** The first word of the info string, lower case: `sh`, `yaml`, `` (none). */
  readonly lang: string;
  /** 1-based line number of the block's first content line. */
  readonly line: number;
  /** The content lines, without the fences. */
  readonly lines: readonly string[];
}

const FENCE = /^(\s{0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;

/** Every fenced code block, in order. An unclosed fence is an error (GitHub would swallow the rest of the file). */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !new RegExp(`^\\s{0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`line ${i + 1}: code fence ${fence} is never closed`);
    blocks.push({ lang: open[3]!.toLowerCase(), line: start + 1, lines: lines.slice(start, end) });
    i = end;
  }
  return blocks;
}

/** The Markdown with every fenced block and inline code span blanked, so links are looked for in prose only. */
function proseOnly(markdown: string): string[] {
  const lines = markdown.split('\n');
  for (const block of fencedBlocks(markdown)) {
    for (let i = block.line - 2; i <= block.line - 1 + block.lines.length; i++) lines[i] = '';
  }
  return lines.map((line) => line.replace(/(`+)(?:(?!\1).)*?\1/g, ''));
}

export interface MarkdownLink {
  readonly target: string;
  /** 1-based line number. */
  readonly line: number;
}

/** Inline links and images `[text](target)` and reference definitions `[id]: target`, outside code. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseOnly(markdown).forEach((text, index) => {
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ target: m[1]!, line: index + 1 });
    const ref = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
    if (ref) links.push({ target: ref[1]!, line: index + 1 });
  });
  return links;
}

/** The anchors GitHub makes of a file's headings: `## Running several Herald processes` → `running-several-herald-processes`. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const text of proseOnlyKeepingCode(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const base = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Lines outside fenced blocks (a `#` inside a shell block is a comment, not a heading). */
function proseOnlyKeepingCode(markdown: string): string[] {
  const lines = markdown.split('\n');
  for (const block of fencedBlocks(markdown)) {
    for (let i = block.line - 2; i <= block.line - 1 + block.lines.length; i++) lines[i] = '';
  }
  return lines;
}
