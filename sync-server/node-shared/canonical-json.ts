/**
 * One JSON text per value, whatever the order its keys were built, sent or stored in: every
 * object's keys sorted (by UTF-16 code units, as Array.prototype.sort does), arrays in order, no
 * spaces, values as JSON.stringify writes them (toJSON applied, undefined members left out).
 *
 * Three uses, each of which needs "the same content gives the same bytes":
 * - the idempotency hash: a desk's outbox sends `commandId` last, a console first; the same
 *   command must hash the same (src/commands/runner.ts);
 * - answers: a first answer and its replay must be byte-identical, although the stored copy comes
 *   back from PostgreSQL's jsonb in jsonb's own key order (and add_booking_decision returns its
 *   answer in the handler's order). Both are sent in this form;
 * - operator proofs (operator-proof.ts): the desk signs the bytes of a mutation when it queues it,
 *   the server verifies the bytes of the mutation as it arrives, perhaps days later.
 * Here (not in src/) because the desk backend signs with it.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortedKeys) ?? 'null';
}

/** The value as canonicalJson writes it, as a plain value whose own key order is the sorted one. */
export function canonicalValue<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function sortedKeys(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  // (Integer-like keys are still enumerated first by JavaScript itself: the same for every copy.)
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
