/**
 * The protocol model (protocol.pml) at the small ("quick") bounds: every property holds on the
 * design with a search big enough to mean something, and every broken variant is refuted by spin
 * with a counterexample that shows the fault. `npm run model:check` runs the full bounds.
 */
import { describe, expect, test } from 'vitest';
import { checkFinding, checkProperty, findings, properties, type PropertyName, type SpinRun } from './spin-runner';

/**
 * Fewest states a design search must store at the quick bounds (about half of what it stores
 * today): a model that deadlocks early or loses a process would pass its assertions vacuously.
 */
const leastStates: Record<PropertyName, number> = {
  'no-over-commit': 25_000,
  'applied-once': 25_000,
  'confirmed-kept': 25_000,
  'outbox-order': 20_000,
  'pull-complete': 180_000,
  'every-entry-answered': 9_000,
  'desks-converge': 25_000,
};

/** A line of the counterexample each broken variant must show (its cause, in the model's words). */
const evidence: Record<PropertyName, RegExp> = {
  'no-over-commit': /reads committed 0, will cover 2 of command/,
  'applied-once': /no answer stored for command (\d): runs it[\s\S]*no answer stored for command \1: runs it/,
  'confirmed-kept': /answered: covered \d \(confirmed\)[\s\S]*CRASH/,
  // Desk d's second entry (command 2d + 1) runs while its first is still undecided.
  'outbox-order': /receives the push of desk (\d) from entry 1[\s\S]*claims command \d \(xid/,
  // A transaction still running when a round began, its xid below the next window and not listed.
  'pull-complete':
    /claims command \d \(xid (\d+)\)[\s\S]*families page, window from xid \d+ \(\+ running \d+ \d+\), next window from (?!\1\b)\d+ \(\+ running 0 0\)[\s\S]*COMMIT xid \1:/,
  'every-entry-answered': /LOST by the network[\s\S]*START OF CYCLE/,
  'desks-converge': /START OF CYCLE/,
};

function describeRun(run: SpinRun): string {
  return `${run.property} ${run.variant}: ${run.errors} errors, ${run.statesStored} states, ${run.panSeconds} s\n${run.trail.join('\n')}`;
}

// The runs are separate processes (spin, gcc, pan) with small memory each: side by side they take
// the machine's cores instead of waiting on one compile after another.
describe('protocol model (spin, quick bounds)', () => {
  for (const property of properties) {
    test.concurrent(
      `${property.name} holds on the design and ${property.broken} is refuted`,
      async () => {
        const [design, broken] = await Promise.all([
          checkProperty(property, { profile: 'quick', isBroken: false, optimize: false }),
          checkProperty(property, { profile: 'quick', isBroken: true, optimize: false }),
        ]);
        expect(design.errors, describeRun(design)).toBe(0);
        expect(design.isComplete, design.panOutput).toBe(true);
        expect(design.statesStored).toBeGreaterThan(leastStates[property.name]);
        expect(design.checks).toContain(property.check);

        expect(broken.errors, describeRun(broken)).toBeGreaterThan(0);
        expect(broken.trail.join('\n')).toMatch(evidence[property.name]);
        if (property.kind === 'safety') expect(broken.trail.join('\n')).toMatch(/assertion violated/);
      },
      240_000,
    );
  }

  test.concurrent(
    'finding: a desk whose push keeps failing never pulls again; a pull after a failed push converges',
    async () => {
      const [today, fixed] = await Promise.all(findings.map((finding) => checkFinding(finding)));
      expect(today?.errors, today && describeRun(today)).toBeGreaterThan(0);
      expect(today?.trail.join('\n')).toMatch(/command 0 fails \(not a rejection\)[\s\S]*pushes again \(no pull this cycle\)[\s\S]*START OF CYCLE/);
      expect(fixed?.errors, fixed && describeRun(fixed)).toBe(0);
      expect(fixed?.statesStored).toBeGreaterThan(1_500);
    },
    240_000,
  );
});
