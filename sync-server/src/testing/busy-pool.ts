import type { Database } from '../db/database';

/**
 * Take a database handle's connections with a transaction that stays open until `release`: with a
 * pool of one, every other request on that handle then waits for a connection (the 503
 * service-busy tests). Resolves once the transaction is inside its connection.
 */
export async function occupyConnection(db: Database): Promise<{ release: () => Promise<void> }> {
  let finish: () => void = () => undefined;
  let inside: () => void = () => undefined;
  const isInside = new Promise<void>((resolve) => {
    inside = resolve;
  });
  const holding = db.transaction(async () => {
    inside();
    await new Promise<void>((resolve) => {
      finish = resolve;
    });
  });
  await isInside;
  return {
    release: async () => {
      finish();
      await holding;
    },
  };
}
