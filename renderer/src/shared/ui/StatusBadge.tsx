import type { Tone } from '../labels';

/** A state in words, with colour only as a second cue (never the only one). */
export function StatusBadge({ text, tone }: { readonly text: string; readonly tone: Tone }) {
  return <span className={`badge badge-${tone}`}>{text}</span>;
}
