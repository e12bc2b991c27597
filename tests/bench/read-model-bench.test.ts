import { describe, expect, it } from 'vitest';
import { measureReadModel } from './read-model-bench';

// A small bound of `npm run bench:read-model` (issue 21 item 6): both ways of reading the desk's
// screens run on a real SQLite replica and must show the same thing. No time is asserted.
describe('bench:read-model at a small bound', () => {
  it("the RxDB copy and re-reading the channels show the same cases, bookings and known items, and the copy's news is smaller than a re-read", async () => {
    const results = await measureReadModel({ families: 300, cases: 40, bookingsPerCase: 3, changes: 3, queryRepeats: 2 });
    const { agreement } = results;
    expect(results.sizes.readModelDocuments).toMatchObject({ cases: 40, bookings: 120, packages: 40 });
    expect(agreement.casesOnCopy).toBe(40);
    expect(agreement.casesReread).toBe(40);
    // The three bookings pulled after sign-in reached the copy.
    expect(agreement.bookingsInReplica).toBe(123);
    expect(agreement.bookingsOnCopy).toBe(123);
    expect(agreement.knownItemsOnCopy.length).toBeGreaterThan(5);
    expect(agreement.knownItemsOnCopy).toEqual(agreement.knownItemsReread);
    // One booking: the copy pulls the booking and its changed rows; a re-read moves the whole list again.
    expect(results.copy.perChange.medianKb).toBeGreaterThan(0);
    expect(results.copy.perChange.medianKb).toBeLessThan(results.reread.perChange.medianKb);
  });
});
