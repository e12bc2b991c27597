/**
 * Liveness over the reference model: from a reached state, a short sequence of allowed commands
 * that ends every hold (released or claimed). Breadth first per case, over the ordinary moves a
 * hospital and its reviewers make — answer a query, decide what is undecided, decide a pending
 * enhancement, discharge, claim the booking sum, and only if that cannot end it, void bookings —
 * never cancel-case, which would end any admitted case trivially and hide a dead end (a
 * discharged case cannot be cancelled).
 */
import { randomUUID } from 'node:crypto';
import { apply, clone, openHolds, type Actor, type Case, type ModelState, type Request } from './model';

const deskOf = (c: Case): Actor => (c.hospital === 'A' ? 'medco.a' : 'medco.b');

/** Every ordinary move on one case; the model decides which are allowed. */
export function movesFor(state: ModelState, c: Case): Request[] {
  const desk = deskOf(c);
  const moves: Request[] = [
    { actor: desk, name: 'respond-query', body: { caseId: c.id, response: 'Report attached' } },
    { actor: 'ppd', name: 'decide-preauth', body: { caseId: c.id, decision: 'approve' } },
    { actor: 'mc', name: 'recommend-preauth', body: { caseId: c.id, recommendedAmount: c.preauth?.requested ?? 1, reason: 'As estimated' } },
    { actor: 'admin', name: 'approve-unspecified', body: { caseId: c.id, decision: 'approve' } },
  ];
  for (const e of state.enhancementOrder.map((id) => state.enhancements[id]!)) {
    if (e.caseId !== c.id || e.status !== 'pending') continue;
    moves.push({ actor: 'ppd', name: 'decide-enhancement', body: { enhancementId: e.id, decision: 'approve' } });
    moves.push({ actor: 'ppd', name: 'decide-enhancement', body: { enhancementId: e.id, decision: 'reject', reason: 'Not justified' } });
  }
  for (const id of c.bookings) {
    if (state.bookings[id]!.status === 'active') moves.push({ actor: desk, name: 'void-booking', body: { bookingId: id, reason: 'Entered by mistake' } });
  }
  moves.push({ actor: desk, name: 'discharge', body: { caseId: c.id } });
  const sum = c.bookings
    .map((id) => state.bookings[id]!)
    .filter((b) => b.status === 'active')
    .reduce((s, b) => s + b.amount, 0);
  if (sum > 0) moves.push({ actor: desk, name: 'submit-claim', body: { claimId: randomUUID(), caseId: c.id, amount: sum } });
  return moves;
}

/** The shortest sequence (up to `maxDepth`) of allowed moves on one case that ends its hold, or null. */
function closeOne(state: ModelState, caseId: string, maxDepth: number, allowVoids: boolean): Request[] | null {
  let frontier: { state: ModelState; path: Request[] }[] = [{ state, path: [] }];
  for (let depth = 0; depth <= maxDepth; depth += 1) {
    const next: typeof frontier = [];
    for (const node of frontier) {
      const c = node.state.cases[caseId]!;
      if (c.hold?.status !== 'active') return node.path;
      if (depth === maxDepth) continue;
      for (const move of movesFor(node.state, c)) {
        if (!allowVoids && move.name === 'void-booking') continue;
        const after = clone(node.state);
        if (apply(after, move).status === 200) next.push({ state: after, path: [...node.path, move] });
      }
    }
    frontier = next;
  }
  return null;
}

/**
 * A sequence of allowed commands from `state` that ends every open hold, case by case (the cases
 * are independent but for the cover, which changes amounts, never what is allowed), or the first
 * case for which no such sequence of at most `maxDepth` moves exists. `state` is not changed.
 */
export function closeEveryHold(state: ModelState, maxDepth = 6): { ok: true; plan: Request[] } | { ok: false; stuck: Case } {
  const working = clone(state);
  const plan: Request[] = [];
  for (const c of openHolds(working)) {
    // Keep what was booked and claim it if that can be done; voiding everything is the fallback.
    const path = closeOne(working, c.id, maxDepth, false) ?? closeOne(working, c.id, maxDepth, true);
    if (!path) return { ok: false, stuck: c };
    for (const move of path) apply(working, move);
    plan.push(...path);
  }
  return { ok: true, plan };
}
