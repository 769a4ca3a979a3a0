/**
 * The little XML the S3 client reads: a ListObjects page and an error body. Both are flat,
 * documented shapes whose elements hold text only, so a few patterns read them without an XML
 * library; anything unexpected reads as missing, never as a wrong value.
 */

export interface ListedObject {
  key: string;
  size: number;
  /** Milliseconds since the epoch, by the S3 server's clock. */
  lastModified: number;
}

export interface ListPage {
  objects: ListedObject[];
  /** More objects follow the last one of this page. */
  truncated: boolean;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** The text of the first `<name>` element inside `xml`, decoded. */
function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match ? decodeText(match[1]!) : undefined;
}

export function parseListPage(xml: string): ListPage {
  const objects: ListedObject[] = [];
  for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const block = match[1]!;
    const key = element(block, 'Key');
    const size = Number(element(block, 'Size'));
    const lastModified = Date.parse(element(block, 'LastModified') ?? '');
    if (key === undefined || !Number.isSafeInteger(size) || Number.isNaN(lastModified)) continue;
    objects.push({ key, size, lastModified });
  }
  return { objects, truncated: element(xml, 'IsTruncated') === 'true' };
}

/** `Code` and `Message` of an S3 error body, when it is one. */
export function parseErrorBody(xml: string): { code?: string; message?: string } {
  const code = element(xml, 'Code');
  const message = element(xml, 'Message');
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}
