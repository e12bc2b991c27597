/**
 * Commit subjects of at most 72 characters, the detail in the body (README, Contributing).
 * Checks every commit after the whole-tree formatting commit, when the habit was adopted; older
 * history is left as it was written. Run by `npm run check`. Outside a git checkout (a source
 * archive) there is nothing to check, and it says so.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export const habitSince = '6c196a1';
export const maxSubjectLength = 72;

export function longSubjects(log: string): { hash: string; subject: string }[] {
  return log
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => ({ hash: line.slice(0, line.indexOf(' ')), subject: line.slice(line.indexOf(' ') + 1) }))
    .filter(({ subject }) => [...subject].length > maxSubjectLength);
}

function main(): void {
  let log: string;
  try {
    log = execFileSync('git', ['log', '--format=%h %s', `${habitSince}..HEAD`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    console.log(`commit subjects: not checked (no git history with ${habitSince} here)`);
    return;
  }
  const long = longSubjects(log);
  if (long.length === 0) {
    console.log(`commit subjects: every subject since ${habitSince} is at most ${maxSubjectLength} characters`);
    return;
  }
  for (const { hash, subject } of long) console.error(`${hash} ${[...subject].length} characters: ${subject}`);
  console.error(`Commit subjects are at most ${maxSubjectLength} characters, with the detail in the body (README, Contributing).`);
  process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
