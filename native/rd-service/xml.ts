/**
 * A small, strict XML reader for the handful of documents an RD service sends (RDService,
 * DeviceInfo, PidData). Pure: no I/O, no dependencies.
 *
 * Why not a library: the brief is "no new dependencies", and the documents are tiny and flat. Why
 * strict: a PidData block is handed on to the server as evidence of a fingerprint capture, so a
 * response that is not well-formed is reported as such instead of being half-read.
 *
 * Deliberately unsupported:
 * - DOCTYPE / internal subsets (rejected: entity expansion is the classic XML hazard and no RD
 *   service needs it);
 * - namespaces (prefixes are kept in the name; lookups below compare local names).
 */

export interface XmlElement {
  /** The qualified name as written, e.g. `RDService` or `rd:RDService`. */
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Direct text content (entities decoded, CDATA included), untrimmed. */
  readonly text: string;
}

export class XmlParseError extends Error {
  constructor(
    message: string,
    /** Character offset in the source where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} (at character ${offset})`);
    this.name = 'XmlParseError';
  }
}

export interface XmlLimits {
  /** Longest document accepted, in characters. */
  readonly maxLength: number;
  /** Deepest element nesting accepted; RD documents are three levels deep. */
  readonly maxDepth: number;
}

const defaultLimits: XmlLimits = { maxLength: 1_048_576, maxDepth: 32 };

const nameStart = /[A-Za-z_:]/;
const nameChar = /[A-Za-z0-9_:.-]/;
const whitespace = /[ \t\r\n]/;

const namedEntities: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** Parses a whole document and returns its single root element; throws XmlParseError. */
export function parseXmlDocument(source: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const { maxLength, maxDepth } = { ...defaultLimits, ...limits };
  if (source.length > maxLength) {
    throw new XmlParseError(`document is longer than ${maxLength} characters`, maxLength);
  }
  const reader = new XmlReader(source, maxDepth);
  return reader.readDocument();
}

/** Local part of a qualified name: `rd:Resp` → `Resp`. */
export function localName(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/**
 * Attribute lookup by name, case-insensitive: vendors disagree on `errCode` vs `errcode`, and a
 * strict match would turn a harmless spelling difference into a failed capture.
 */
export function attributeOf(element: XmlElement, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of element.attributes) {
    if (localName(key).toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** First direct child with this local name (case-insensitive). */
export function childOf(element: XmlElement, name: string): XmlElement | undefined {
  return childrenOf(element, name)[0];
}

/** All direct children with this local name (case-insensitive). */
export function childrenOf(element: XmlElement, name: string): XmlElement[] {
  const wanted = name.toLowerCase();
  return element.children.filter((child) => localName(child.name).toLowerCase() === wanted);
}

/** Whether the element has this local name (case-insensitive). */
export function isNamed(element: XmlElement, name: string): boolean {
  return localName(element.name).toLowerCase() === name.toLowerCase();
}

class XmlReader {
  private position = 0;

  constructor(
    private readonly source: string,
    private readonly maxDepth: number,
  ) {}

  readDocument(): XmlElement {
    // A byte-order mark is legal before the prolog and some Windows services send one.
    if (this.source.charCodeAt(0) === 0xfeff) this.position = 1;
    this.skipMisc();
    if (this.position >= this.source.length) this.fail('the document is empty');
    if (!this.source.startsWith('<', this.position)) this.fail('text found before the root element');
    const root = this.readElement(1);
    this.skipMisc();
    if (this.position < this.source.length) this.fail('content found after the root element');
    return root;
  }

  /** Skips whitespace, comments and processing instructions (including the `<?xml?>` prolog). */
  private skipMisc(): void {
    for (;;) {
      this.skipWhitespace();
      if (this.source.startsWith('<?', this.position)) {
        this.skipPast('?>', 'processing instruction');
      } else if (this.source.startsWith('<!--', this.position)) {
        this.skipPast('-->', 'comment');
      } else if (this.source.startsWith('<!DOCTYPE', this.position)) {
        this.fail('DOCTYPE declarations are not accepted');
      } else {
        return;
      }
    }
  }

  private readElement(depth: number): XmlElement {
    if (depth > this.maxDepth) this.fail(`elements are nested deeper than ${this.maxDepth} levels`);
    this.expect('<');
    const name = this.readName('element name');
    const attributes = new Map<string, string>();
    for (;;) {
      const hadWhitespace = this.skipWhitespace();
      if (this.source.startsWith('/>', this.position)) {
        this.position += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (this.source.startsWith('>', this.position)) {
        this.position += 1;
        break;
      }
      if (this.position >= this.source.length) this.fail(`<${name}> is not closed`);
      if (!hadWhitespace) this.fail(`expected whitespace, ">" or "/>" in <${name}>`);
      const attributeName = this.readName(`attribute name in <${name}>`);
      if (attributes.has(attributeName)) this.fail(`attribute "${attributeName}" appears twice in <${name}>`);
      this.skipWhitespace();
      this.expect('=');
      this.skipWhitespace();
      attributes.set(attributeName, this.readAttributeValue(attributeName));
    }

    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (this.position >= this.source.length) this.fail(`<${name}> is never closed`);
      if (this.source.startsWith('</', this.position)) {
        this.position += 2;
        const closing = this.readName('closing tag name');
        if (closing !== name) this.fail(`</${closing}> closes <${name}>`);
        this.skipWhitespace();
        this.expect('>');
        return { name, attributes, children, text };
      }
      if (this.source.startsWith('<!--', this.position)) {
        this.skipPast('-->', 'comment');
      } else if (this.source.startsWith('<![CDATA[', this.position)) {
        const start = this.position + '<![CDATA['.length;
        const end = this.source.indexOf(']]>', start);
        if (end === -1) this.fail('CDATA section is never closed');
        text += this.source.slice(start, end);
        this.position = end + 3;
      } else if (this.source.startsWith('<?', this.position)) {
        this.skipPast('?>', 'processing instruction');
      } else if (this.source.startsWith('<!', this.position)) {
        this.fail('declarations are not accepted inside elements');
      } else if (this.source.startsWith('<', this.position)) {
        children.push(this.readElement(depth + 1));
      } else {
        text += this.readText();
      }
    }
  }

  private readText(): string {
    let text = '';
    while (this.position < this.source.length) {
      const character = this.source[this.position];
      if (character === '<') break;
      if (character === '&') {
        text += this.readEntity();
      } else {
        text += character;
        this.position += 1;
      }
    }
    return text;
  }

  private readAttributeValue(attributeName: string): string {
    const quote = this.source[this.position];
    if (quote !== '"' && quote !== "'") this.fail(`value of "${attributeName}" is not quoted`);
    this.position += 1;
    let value = '';
    for (;;) {
      if (this.position >= this.source.length) this.fail(`value of "${attributeName}" is never closed`);
      const character = this.source[this.position];
      if (character === quote) {
        this.position += 1;
        return value;
      }
      if (character === '<') this.fail(`"<" inside the value of "${attributeName}"`);
      if (character === '&') {
        value += this.readEntity();
      } else {
        value += character;
        this.position += 1;
      }
    }
  }

  private readEntity(): string {
    const start = this.position;
    const end = this.source.indexOf(';', start);
    // Entity names are short; a far-away ";" means a bare "&", which XML does not allow.
    if (end === -1 || end - start > 10) this.fail('"&" that does not start an entity (write &amp;)');
    const body = this.source.slice(start + 1, end);
    this.position = end + 1;
    const named = namedEntities[body];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
    if (numeric) {
      const codePoint = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number.parseInt(numeric[2] ?? '', 10);
      if (codePoint > 0 && codePoint <= 0x10ffff) return String.fromCodePoint(codePoint);
    }
    this.position = start;
    return this.fail(`unknown entity "&${body};"`);
  }

  private readName(what: string): string {
    const start = this.position;
    const first = this.source[start];
    if (first === undefined || !nameStart.test(first)) this.fail(`expected ${what}`);
    this.position += 1;
    while (this.position < this.source.length && nameChar.test(this.source[this.position] ?? '')) {
      this.position += 1;
    }
    return this.source.slice(start, this.position);
  }

  private skipWhitespace(): boolean {
    const start = this.position;
    while (this.position < this.source.length && whitespace.test(this.source[this.position] ?? '')) {
      this.position += 1;
    }
    return this.position > start;
  }

  private skipPast(terminator: string, what: string): void {
    const end = this.source.indexOf(terminator, this.position);
    if (end === -1) this.fail(`${what} is never closed`);
    this.position = end + terminator.length;
  }

  private expect(literal: string): void {
    if (!this.source.startsWith(literal, this.position)) {
      const found = this.position < this.source.length ? `"${this.source[this.position]}"` : 'the end of the document';
      this.fail(`expected "${literal}" but found ${found}`);
    }
    this.position += literal.length;
  }

  private fail(message: string): never {
    throw new XmlParseError(message, this.position);
  }
}

/** Escapes a string for use inside a double-quoted attribute value. */
export function escapeAttribute(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('\r', '&#13;')
    .replaceAll('\n', '&#10;')
    .replaceAll('\t', '&#9;');
}

/** Escapes a string for use as element text. */
export function escapeText(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
