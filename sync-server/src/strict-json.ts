/**
 * The one reader of every JSON request body. JSON.parse alone accepts three things this server
 * must not:
 * - a repeated key takes its last value (`"unitPrice": 100, "unitPrice": 999999` booked 999,999),
 *   while a proxy, a log or a reviewer reads the first;
 * - U+0000 in a string passes every schema and then fails in PostgreSQL (text cannot hold it), a
 *   500 that a desk's outbox retried forever;
 * - a lone surrogate (`"\ud800"`) or bytes that are not UTF-8 become U+FFFD on the way to the
 *   database: the stored text is not what was sent.
 *
 * It also refuses a `__proto__` key, as Fastify's default parser did.
 *
 * Each finding carries the path of the value it is in, so /sync/push can refuse only the
 * mutation that holds it and answer the others (a body-wide refusal would stall the outbox).
 */

import { assertNever, type Refusal } from '@domain/outcomes';

export type StrictJsonCode = 'malformed-json' | 'duplicate-key' | 'invalid-text' | 'forbidden-key';

export interface JsonFinding {
  readonly code: StrictJsonCode;
  /** Where the finding is: object keys and array indexes from the top of the body. */
  readonly path: readonly (string | number)[];
  /** What is wrong with the value at `path`, as the end of a sentence that starts with the path. */
  readonly problem: string;
  /** The whole sentence: the path as a person reads it, then the problem. */
  readonly message: string;
}

function finding(code: StrictJsonCode, path: readonly (string | number)[], problem: string): JsonFinding {
  return { code, path, problem, message: `${pathText(path)} ${problem}.` };
}

export type StrictJsonResult =
  { readonly ok: true; readonly value: unknown; readonly findings: readonly JsonFinding[] } | { readonly ok: false; readonly finding: JsonFinding };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A path as a person reads it: mutations[1].body.itemCode. */
export function pathText(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'The body';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

/** The problem with one string, or null: NUL and lone surrogates are never accepted text. */
function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains the NUL character (U+0000), which no field accepts';
  // With the u flag a well-formed pair is one code point, so \p{Cs} matches only a lone half.
  if (/\p{Cs}/u.test(text)) return 'contains a lone surrogate (half of a UTF-16 pair), which is not a character';
  return null;
}

/**
 * Decode and parse a request body strictly. `ok: false` is for what cannot be read at all (not
 * UTF-8, not JSON); findings are for well-formed JSON that holds refused keys or text.
 */
export function readStrictJson(body: Buffer | string): StrictJsonResult {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    return { ok: false, finding: { code: 'invalid-text', path: [], problem: 'is not valid UTF-8 text', message: 'The request body is not valid UTF-8 text.' } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, finding: { code: 'malformed-json', path: [], problem: 'is not valid JSON', message: 'The request body is not valid JSON.' } };
  }
  return { ok: true, value, findings: [...duplicateKeys(text), ...textFindings(value)] };
}

/**
 * Every repeated key, found by walking the (already valid) JSON text once. Keys are compared as
 * decoded strings, so `"a"` and `"\u0061"` are the same key. Iterative: a deeply nested body
 * cannot overflow the stack.
 */
function duplicateKeys(text: string): JsonFinding[] {
  const findings: JsonFinding[] = [];
  // One frame per open container: an object's keys so far, or an array's next index.
  const frames: ({ kind: 'object'; keys: Set<string>; key: string | null } | { kind: 'array'; index: number })[] = [];
  const pathHere = (): (string | number)[] => frames.map((frame) => (frame.kind === 'object' ? (frame.key ?? '') : frame.index));
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      let hasEscape = false;
      while (text[end] !== '"') {
        if (text[end] === '\\') {
          hasEscape = true;
          end += 2;
        } else end += 1;
      }
      let next = end + 1;
      while (next < text.length && (text[next] === ' ' || text[next] === '\t' || text[next] === '\n' || text[next] === '\r')) next += 1;
      const top = frames[frames.length - 1];
      if (text[next] === ':' && top?.kind === 'object') {
        const raw = text.slice(i, end + 1);
        const key = hasEscape ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) {
          top.key = key;
          findings.push(finding('duplicate-key', pathHere(), 'is sent twice; send each field once'));
        }
        top.keys.add(key);
        top.key = key;
      }
      i = end + 1;
      continue;
    }
    if (char === '{') frames.push({ kind: 'object', keys: new Set(), key: null });
    else if (char === '[') frames.push({ kind: 'array', index: 0 });
    else if (char === '}' || char === ']') frames.pop();
    else if (char === ',') {
      const top = frames[frames.length - 1];
      if (top?.kind === 'array') top.index += 1;
    }
    i += 1;
  }
  return findings;
}

/** Every key or string value that holds refused text (iterative, like duplicateKeys). */
function textFindings(value: unknown): JsonFinding[] {
  interface Node {
    readonly value: unknown;
    readonly parent: Node | null;
    readonly step: string | number;
  }
  // Paths are built only for a finding, from parent links: copying one per value would cost
  // depth² on a deeply nested body.
  const pathOf = (node: Node | null): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let at = node; at?.parent; at = at.parent) path.unshift(at.step);
    return path;
  };
  const findings: JsonFinding[] = [];
  const pending: Node[] = [{ value, parent: null, step: '' }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const here = node.value;
    if (typeof here === 'string') {
      const problem = textProblem(here);
      if (problem) findings.push(finding('invalid-text', pathOf(node), problem));
    } else if (Array.isArray(here)) {
      const parent = node;
      here.forEach((element: unknown, index) => pending.push({ value: element, parent, step: index }));
    } else if (typeof here === 'object' && here !== null) {
      for (const [key, element] of Object.entries(here)) {
        const problem = textProblem(key);
        if (problem) findings.push(finding('invalid-text', pathOf(node), `has a field name that ${problem}`));
        // What Fastify's own parser refuses too: a key that could reach an object's prototype.
        if (key === '__proto__') findings.push(finding('forbidden-key', pathOf(node), 'has the field name __proto__, which is never accepted'));
        pending.push({ value: element, parent: node, step: key });
      }
    }
  }
  return findings;
}

/** The first finding inside `prefix` (e.g. one pushed mutation's body), or undefined. */
export function findingUnder(findings: readonly JsonFinding[], prefix: readonly (string | number)[]): JsonFinding | undefined {
  return findings.find((finding) => prefix.every((step, index) => finding.path[index] === step));
}

/** A finding of the strict JSON reader as the answer it gets: 400, a code and a sentence. */
export function refusalOfFinding(finding: JsonFinding): Refusal {
  switch (finding.code) {
    case 'malformed-json':
      return { kind: 'error', code: 'malformed-json', message: finding.message };
    case 'duplicate-key':
      return { kind: 'error', code: 'duplicate-key', message: `Invalid request: ${finding.message}`, details: { path: finding.path } };
    case 'invalid-text':
      return { kind: 'error', code: 'invalid-text', message: `Invalid request: ${finding.message}`, details: { path: finding.path } };
    case 'forbidden-key':
      return { kind: 'error', code: 'invalid-input', message: `Invalid request: ${finding.message}`, details: { path: finding.path } };
    default:
      return assertNever(finding.code);
  }
}
