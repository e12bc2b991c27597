/**
 * `npm run model:check [-- --quick]`: every property of the protocol model on the design (must hold:
 * 0 errors, a complete search) and on its broken variant (must be refuted, trail printed), with
 * the full fault budgets (or the test's smaller ones with --quick). Prints states, memory and time
 * per run; exit code 1 when the design violates a property, a search is incomplete, or a broken
 * variant is not refuted.
 */
import { parseArgs } from 'node:util';
import { checkFinding, checkProperty, entriesPerDesk, findings, properties, type SpinRun } from './spin-runner';

function row(result: SpinRun): string {
  const verdict =
    result.variant === 'design' ? (result.errors === 0 && result.isComplete ? 'holds' : 'VIOLATED') : result.errors > 0 ? 'refuted' : 'NOT REFUTED';
  return `${result.property.padEnd(21)} ${result.variant.padEnd(20)} ${verdict.padEnd(11)} ${String(result.statesStored).padStart(10)} states ${String(result.transitions).padStart(10)} transitions ${result.memoryMb.toFixed(0).padStart(6)} MB  pan ${result.panSeconds.toFixed(1).padStart(6)} s  wall ${result.wallSeconds.toFixed(1).padStart(6)} s`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const profile = values.quick ? 'quick' : 'full';
  const selected = properties.filter((property) => !values.only || property.name === values.only);
  if (selected.length === 0) throw new Error(`usage: npm run model:check [-- --quick] [--only ${properties.map((p) => p.name).join('|')}]`);
  console.log(`spin model, ${profile} bounds: 2 desks, 2 servers, one family with cover 3, every booking asks for 2`);
  let isFailed = false;
  const started = performance.now();
  for (const property of selected) {
    const budgets = property.budgets[profile];
    console.log(
      `\n${property.name} (${property.kind}, ${entriesPerDesk(property)} outbox entr${entriesPerDesk(property) === 1 ? 'y' : 'ies'} per desk) faults: drops ${budgets.drops}, duplicates ${budgets.dups}, server crashes ${budgets.serverCrashes}, desk crashes ${budgets.deskCrashes}, early timeouts ${budgets.earlyTimeouts}`,
    );
    // The design's search and the broken variant's run side by side (two cores).
    const [design, broken] = await Promise.all([
      checkProperty(property, { profile, isBroken: false, optimize: profile === 'full' }),
      checkProperty(property, { profile, isBroken: true, optimize: false }),
    ]);
    console.log(row(design) + (design.checks.length > 1 ? `  (one search for ${design.checks.join(', ')})` : ''));
    if (design.errors !== 0 || !design.isComplete) {
      isFailed = true;
      console.log(design.panOutput);
      for (const line of design.trail) console.log(`    ${line}`);
    }
    console.log(row(broken));
    if (broken.errors === 0) isFailed = true;
    for (const line of broken.trail) console.log(`    ${line}`);
  }
  if (!values.only) {
    console.log('\nfindings on the design (desks-converge, no other faults):');
    for (const finding of findings) {
      const result = await checkFinding(finding);
      const isAsExpected = result.errors > 0 === finding.isViolationExpected && result.isComplete;
      if (!isAsExpected) isFailed = true;
      console.log(
        `${finding.name.padEnd(55)} ${result.errors > 0 ? 'violated' : 'holds'.padEnd(8)} ${String(result.statesStored).padStart(8)} states  pan ${result.panSeconds.toFixed(1)} s${isAsExpected ? '' : '  (NOT AS EXPECTED)'}`,
      );
      for (const line of result.trail.slice(0, 14)) console.log(`    ${line}`);
    }
  }
  console.log(
    `\n${isFailed ? 'FAILED' : 'all properties hold on the design and every broken variant is refuted'} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  process.exitCode = isFailed ? 1 : 0;
}

await main();
