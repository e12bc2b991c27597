/**
 * Static markup checks for node tests (no DOM here): render with react-dom/server and inspect the
 * HTML. Effects do not run, so this checks what a screen shows first, and its semantics.
 */
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

export function markupOf(element: ReactElement): string {
  return renderToStaticMarkup(element);
}

/** Form controls that no label names: neither <label for=id> nor a wrapping <label>. */
export function unlabelledControls(html: string): string[] {
  const problems: string[] = [];
  const control = /<(input|select|textarea)\b([^>]*)>/g;
  for (let match = control.exec(html); match; match = control.exec(html)) {
    const attributes = match[2] ?? '';
    if (/type="hidden"/.test(attributes)) continue;
    const id = /\bid="([^"]+)"/.exec(attributes)?.[1];
    const hasFor = id !== undefined && html.includes(`for="${id}"`);
    const before = html.slice(0, match.index);
    const isWrapped = before.lastIndexOf('<label') > before.lastIndexOf('</label>');
    const hasAriaLabel = /\baria-label(ledby)?="/.test(attributes);
    if (!hasFor && !isWrapped && !hasAriaLabel) problems.push(match[0]);
  }
  return problems;
}

/** The text of the markup, tags removed, whitespace collapsed, entities for quotes decoded. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
