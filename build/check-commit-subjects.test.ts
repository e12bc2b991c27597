import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { longSubjects, maxSubjectLength } from './check-commit-subjects';

describe('commit subject check', () => {
  it('names each subject over 72 characters, counting characters not bytes', () => {
    const ok = 'a'.repeat(maxSubjectLength);
    const long = 'b'.repeat(maxSubjectLength + 1);
    const rupees = '₹'.repeat(maxSubjectLength); // 72 characters, 216 bytes
    expect(longSubjects(`1111111 ${ok}\n2222222 ${long}\n3333333 ${rupees}\n`)).toEqual([{ hash: '2222222', subject: long }]);
  });

  it('passes on this repository (the script exits 0 and says what it checked)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'build/check-commit-subjects.ts'], { encoding: 'utf8' });
    expect(out).toMatch(/commit subjects: (every subject since|not checked)/);
  });
});
