import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Refreshes test-durations.json (the order long-files-first.ts starts files in) from the JSON
 * report of a CI run: `npx tsx tests/support/test-durations.ts test-output/vitest.json`.
 * Keeps the files of 20 s or more; the rest are ordered by folder and size. Commit the result
 * with the run it came from in the message: the list is reviewed like code.
 */
const minimumSeconds = 20;
const root = fileURLToPath(new URL('../..', import.meta.url));
const report = process.argv[2];
if (!report) {
  console.error('Usage: npx tsx tests/support/test-durations.ts test-output/vitest.json');
  process.exit(2);
}
const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; startTime: number; endTime: number }[] };
const seconds = Object.fromEntries(
  testResults
    .map((file) => [relative(root, resolve(file.name)).replaceAll('\\', '/'), Math.round((file.endTime - file.startTime) / 1000)] as const)
    .filter(([, duration]) => duration >= minimumSeconds)
    .sort((a, b) => b[1] - a[1]),
);
const target = fileURLToPath(new URL('./test-durations.json', import.meta.url));
writeFileSync(
  target,
  `${JSON.stringify({ source: `${report}, ${new Date().toISOString().slice(0, 10)}: files of ${minimumSeconds} s or more, seconds`, seconds }, null, 2)}\n`,
);
console.log(`${Object.keys(seconds).length} files of ${minimumSeconds} s or more written to ${relative(root, target)}`);
