/**
 * 033 — the daily accumulator exchange files, in and out (issue 14; the format is
 * domain/accumulator-exchange.ts, the intake and export src/accumulators/exchange.ts).
 *
 * - `exchange_files`: every file read or written, by name, with the SHA-256 of its bytes. A name
 *   is never reused for other bytes (a correction is a new file): an import of a known name with
 *   other content is refused whole, and the same file again applies only the lines not applied yet
 *   (each applied line is one accumulator entry whose source id is `<file name>:<line>`, unique).
 *   `up_to_entry` is, for an export, the last accumulator entry it carried: the next export starts
 *   after it.
 */
export const sql = /* sql */ `
CREATE TABLE exchange_files (
  name text PRIMARY KEY CHECK (name ~ '^accumulators-[0-9]{4}-[0-9]{2}-[0-9]{2}(-[0-9]{2})?\\.tsv$'),
  direction text NOT NULL CHECK (direction IN ('import', 'export')),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  lines integer NOT NULL CHECK (lines >= 0),
  applied integer NOT NULL CHECK (applied >= 0),
  refused integer NOT NULL CHECK (refused >= 0),
  up_to_entry bigint,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_run_at timestamptz NOT NULL DEFAULT now()
);
`;
