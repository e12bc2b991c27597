import { describe, expect, it } from 'vitest';
import { runChaos } from './harness';

/**
 * The short chaos run of `npm test`: six desks in six processes, two servers, 40 s of faults.
 * The long one is `npm run chaos -- --desks 50 --minutes 5` (tests/chaos/chaos-run.ts).
 * Servers are SIGKILLed and restarted against one shared database, so this needs PostgreSQL.
 */
describe.skipIf(!process.env.DATABASE_URL)('chaos: desks, faults and SIGKILLs never overspend, lose or duplicate (PostgreSQL; set DATABASE_URL)', () => {
  it('six desks, two servers, 40 s of chaos: zero violations and convergence within 10 s of the heal', async () => {
    const summary = await runChaos({ desks: 6, durationMs: 40_000, servers: 2, desksPerHost: 1, convergeTimeoutMs: 20_000 });
    const findings = summary.findings.slice(0, 20).join('\n');
    console.log(
      `chaos: ${summary.operations} desk operations, ${summary.bookingsCommitted} bookings (${summary.bookingsRefusedByServer} refused), ${summary.serverKills} server kills, ${summary.deskKills} desk kills (${summary.restartsWithUnpushedCommits} restarts with unpushed commits), ${summary.cutOffs} cut-offs, ${summary.proxy.droppedResponses} answers dropped, ${summary.proxy.duplicated} duplicated, ${summary.proxy.replayed} replayed late; converged ${summary.convergeMs} ms after the heal`,
    );
    // The run really was chaotic: otherwise the zeros below would prove nothing.
    expect(summary.operations, findings).toBeGreaterThan(100);
    expect(summary.serverKills + summary.deskKills, findings).toBeGreaterThan(3);
    expect(summary.proxy.droppedResponses + summary.proxy.duplicated + summary.proxy.replayed, findings).toBeGreaterThan(10);
    expect(
      {
        overCommittedFamilies: summary.overCommittedFamilies,
        moneyMismatches: summary.moneyMismatches,
        lostBookings: summary.lostBookings,
        duplicateBookings: summary.duplicateBookings,
        refusedButPresent: summary.refusedButPresent,
        confirmedThenShortfall: summary.confirmedThenShortfall,
        deskErrors: summary.deskErrors,
        auditChainIntact: summary.auditChainIntact,
      },
      findings,
    ).toEqual({
      auditChainIntact: true,
      overCommittedFamilies: 0,
      moneyMismatches: 0,
      lostBookings: 0,
      duplicateBookings: 0,
      refusedButPresent: 0,
      confirmedThenShortfall: 0,
      deskErrors: 0,
    });
    expect(summary.convergeMs, findings).toBeGreaterThanOrEqual(0);
    expect(summary.convergeMs, findings).toBeLessThan(10_000);
  }, 300_000); // hang protection only: under load 15 the 40 s run with its process start-ups took longer than 115 s
});
