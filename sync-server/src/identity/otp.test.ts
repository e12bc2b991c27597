import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { DevelopmentSmsSink } from './sms';

/** S4 — identity by one-time code and by override, with an injected clock. */
describe('one-time codes to the registered phone, and overrides (PGlite, injected clock)', () => {
  let server: TestServer;
  let desk = '';
  let now = new Date('2026-11-23T10:00:00Z');
  const sms = new DevelopmentSmsSink();
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  const lastCode = () => /code is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1] ?? '';
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  beforeAll(async () => {
    server = await startTestServer('pglite', { clock: () => now, sms });
    desk = await server.login('medco.a');
  });
  afterAll(async () => server?.close());

  it("sends a 6-digit code to the family's registered phone, single use, proving identity for admission", async () => {
    const challengeId = randomUUID();
    const sent = resultOf(await server.command(desk, 'send-otp', { challengeId, memberId: demoIds.son }));
    expect(sent).toMatchObject({ phoneEnding: '0001', expiresAt: '2026-11-23T10:10:00.000Z' });
    expect(sms.recent()[0]).toMatchObject({ phoneEnding: '0001' });
    const code = lastCode();
    expect(code).toMatch(/^\d{6}$/);
    const [stored] = await server.scratch.db.query<{ code_hash: string }>('SELECT code_hash FROM otp_challenges WHERE id = $1', [challengeId]);
    expect(stored?.code_hash).not.toContain(code);
    expect(resultOf(await server.command(desk, 'verify-otp', { challengeId, code }))).toMatchObject({ verified: true, memberId: demoIds.son });
    expect(resultOf(await server.command(desk, 'verify-otp', { challengeId, code }))).toMatchObject({ verified: false, reason: 'already-used' });
    const caseId = randomUUID();
    resultOf(await server.command(desk, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'otp', otpChallengeId: challengeId }));
    const reuse = await server.command(desk, 'admit', { caseId: randomUUID(), memberId: demoIds.son, identityMethod: 'otp', otpChallengeId: challengeId });
    expect(reuse.status).toBe(409);
    resultOf(await server.command(desk, 'cancel-case', { caseId, reason: 'test over' }));
  });

  it('refuses admission by code without a verified code for this patient', async () => {
    const answer = await server.command(desk, 'admit', {
      caseId: randomUUID(),
      memberId: demoIds.daughter,
      identityMethod: 'otp',
      otpChallengeId: randomUUID(),
    });
    expect(answer.body).toMatchObject({ code: 'identity-not-proven' });
  });

  it('expires a code after 10 minutes', async () => {
    advance(120);
    const challengeId = randomUUID();
    resultOf(await server.command(desk, 'send-otp', { challengeId, memberId: demoIds.daughter }));
    const code = lastCode();
    advance(10 * 60 + 1);
    expect(resultOf(await server.command(desk, 'verify-otp', { challengeId, code }))).toMatchObject({ verified: false, reason: 'expired' });
  });

  it('limits resends: not again within 60 s, at most 5 an hour', async () => {
    advance(3600);
    const first = randomUUID();
    resultOf(await server.command(desk, 'send-otp', { challengeId: first, memberId: demoIds.mother }));
    const tooSoon = await server.command(desk, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.mother });
    expect(tooSoon.body).toMatchObject({ code: 'otp-resend-too-soon', details: { waitSeconds: 60 } });
    for (let i = 0; i < 4; i += 1) {
      advance(61);
      resultOf(await server.command(desk, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.mother }));
    }
    advance(61);
    const overLimit = await server.command(desk, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.mother });
    expect(overLimit.body).toMatchObject({ code: 'otp-send-limit' });
  });

  it('locks the member after 5 wrong codes, even across resends, until the lockout ends', async () => {
    advance(3600);
    let challengeId = randomUUID();
    resultOf(await server.command(desk, 'send-otp', { challengeId, memberId: demoIds.father }));
    let code = lastCode();
    for (let i = 1; i <= 3; i += 1) {
      expect(resultOf(await server.command(desk, 'verify-otp', { challengeId, code: wrong(code) }))).toMatchObject({
        verified: false,
        reason: 'wrong-code',
        attemptsLeft: 5 - i,
      });
    }
    advance(61);
    challengeId = randomUUID();
    resultOf(await server.command(desk, 'send-otp', { challengeId, memberId: demoIds.father }));
    code = lastCode();
    expect(resultOf(await server.command(desk, 'verify-otp', { challengeId, code: wrong(code) }))).toMatchObject({ reason: 'wrong-code', attemptsLeft: 1 });
    expect(resultOf(await server.command(desk, 'verify-otp', { challengeId, code: wrong(code) }))).toMatchObject({
      verified: false,
      reason: 'locked',
      lockedUntil: new Date(now.getTime() + 30 * 60_000).toISOString(),
    });
    // Even the right code is refused while locked, and no new code can be sent.
    expect(resultOf(await server.command(desk, 'verify-otp', { challengeId, code }))).toMatchObject({ verified: false, reason: 'locked' });
    advance(61);
    expect((await server.command(desk, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.father })).body).toMatchObject({ code: 'identity-locked' });
    advance(30 * 60);
    resultOf(await server.command(desk, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.father }));
  });

  it('an override needs a reason and a supervisor, is audited, flagged and listed for review', async () => {
    const missing = await server.command(desk, 'admit', { caseId: randomUUID(), memberId: demoIds.daughter, identityMethod: 'override' });
    expect(missing.status).toBe(400);
    const caseId = randomUUID();
    expect(
      resultOf(
        await server.command(desk, 'admit', {
          caseId,
          memberId: demoIds.daughter,
          identityMethod: 'override',
          overrideReason: 'Unconscious after a road accident; no relative present',
          supervisorName: 'Dr. Kale (duty supervisor)',
        }),
      ),
    ).toMatchObject({ flaggedForReview: true });
    const ha = await server.login('ha');
    const listed = (await server.get(ha, '/reviews/identity-overrides')).body as {
      overrides: { caseId: string; reviewedAt: string | null }[];
      unreviewed: number;
    };
    expect(listed.overrides).toContainEqual(
      expect.objectContaining({ caseId, hospitalCode: 'HSP-A', supervisorName: 'Dr. Kale (duty supervisor)', reviewedAt: null }),
    );
    expect(listed.unreviewed).toBe(1);
    expect((await server.get(desk, '/reviews/identity-overrides')).status).toBe(403);
    resultOf(await server.command(ha, 'review-override', { caseId, note: 'Identity confirmed with the family next day' }));
    expect(((await server.get(ha, '/reviews/identity-overrides')).body as { unreviewed: number }).unreviewed).toBe(0);
    const [audit] = await server.scratch.db.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM audit_log WHERE action IN ('case-admitted', 'identity-override-reviewed') AND entity_id = $1",
      [caseId],
    );
    expect(audit?.count).toBe(2);
  });
});

/**
 * Wrong codes are counted per member, across the member's challenges: parallel guesses on several
 * challenges must not each see fewer misses than were made (issue 20). Needs concurrent
 * connections, so PostgreSQL.
 */
describe.skipIf(!process.env.DATABASE_URL)('wrong one-time codes racing on several challenges of one member (PostgreSQL)', () => {
  let server: TestServer;
  let now = new Date('2026-11-23T10:00:00Z');
  const sms = new DevelopmentSmsSink();
  beforeAll(async () => {
    server = await startTestServer('postgres', { clock: () => now, sms });
  });
  afterAll(async () => server?.close());

  it('answers at most maxAttempts - 1 "wrong code" before the lock, however the guesses interleave', async () => {
    const desk = await server.login('medco.a');
    const challenges: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const challengeId = randomUUID();
      resultOf(await server.command(desk, 'send-otp', { challengeId, memberId: demoIds.father }));
      challenges.push(challengeId);
      now = new Date(now.getTime() + 61_000);
    }
    // 12 wrong guesses at once, four per challenge (000000 is never a code: codes are checked by hash,
    // and a guess is wrong unless it equals the code, which the test does not know).
    const guesses = challenges.flatMap((challengeId) => [0, 1, 2, 3].map((n) => ({ challengeId, code: `99999${n}` })));
    const answers = await Promise.all(guesses.map((guess) => server.command(desk, 'verify-otp', guess)));
    const results = answers.map((answer) => resultOf(answer) as { verified: boolean; reason?: string });
    expect(results.some((r) => r.verified)).toBe(false);
    const wrong = results.filter((r) => r.reason === 'wrong-code').length;
    // defaultOtpPolicy.maxAttempts = 5: four misses are told "wrong code", the fifth locks.
    expect(wrong).toBeLessThanOrEqual(4);
    expect(results.filter((r) => r.reason === 'locked').length).toBeGreaterThanOrEqual(1);
    const [row] = await server.scratch.db.query<{ total: number }>('SELECT COALESCE(sum(attempts), 0)::int AS total FROM otp_challenges WHERE member_id = $1', [
      demoIds.father,
    ]);
    expect(row?.total).toBeLessThanOrEqual(5);
  }, 120_000);
});
