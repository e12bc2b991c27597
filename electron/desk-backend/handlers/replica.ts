// The local replica is disposable (issue 23): its status, the outbox export, the reset, and
// queueing an export again. Nothing here talks to the server.
import { clearReplica, exportOutbox, importExport, listExports, recordReset, unpushed, type Approval } from '../outbox-export';
import { failure, ok, type HandlerModule } from './context';

/** The same rule as an identity override's: a reason someone can review later. */
const minimumReasonLength = 15;

export const replicaHandlers: HandlerModule<'replica.status' | 'replica.exportOutbox' | 'replica.reset' | 'replica.importOutbox'> = (
  desk,
  { slot, requireMedco },
) => {
  const dataDir = desk.options.dataDir;
  const notEnrolled = () => (desk.identity() ? null : failure('not-enrolled', 'This desk is not enrolled: there is nothing to reset or export.'));

  return {
    'replica.status': async () => {
      const refused = requireMedco();
      if (refused) return refused;
      const waiting = unpushed(desk.db);
      return ok({ unpushedCommands: waiting.count, oldestUnpushedAt: waiting.oldestAt, exports: listExports(desk.db, dataDir) });
    },

    'replica.exportOutbox': async () => {
      const refused = requireMedco() ?? notEnrolled();
      if (refused) return refused;
      const waiting = unpushed(desk.db).count;
      if (waiting === 0) return ok({ fileName: null, commands: 0 });
      const written = exportOutbox(desk.db, dataDir, 'manual', null);
      return ok({ fileName: written.fileName, commands: written.file.mutations.length });
    },

    'replica.reset': async ({ supervisorName, reason }) => {
      const refused = requireMedco() ?? notEnrolled();
      if (refused) return refused;
      const operatorId = slot.session!.operatorId;
      const approvalOf = (): Approval | null => {
        const supervisor = supervisorName?.trim() ?? '';
        const why = reason?.trim() ?? '';
        return supervisor !== '' && why.length >= minimumReasonLength ? { operatorId, supervisorName: supervisor, reason: why } : null;
      };
      const refuseUnapproved = (count: number) =>
        failure(
          'supervisor-required',
          `${count} change${count === 1 ? '' : 's'} made here ${count === 1 ? 'has' : 'have'} not reached the server yet. Resetting needs a supervisor's approval: name the supervisor and give a reason (at least ${minimumReasonLength} characters); the changes are saved to a file first.`,
          { unpushedCommands: count },
        );
      if (unpushed(desk.db).count > 0 && !approvalOf()) return refuseUnapproved(unpushed(desk.db).count);

      // No push or pull may run while the replica is emptied: a page pulled before the reset and
      // applied after it would store an old checkpoint over the empty tables, and the desk would
      // never pull what lies before it. After the last await below, everything runs without yielding.
      const wasStarted = desk.engine.isStarted;
      do await desk.engine.stop();
      while (desk.engine.isCycleRunning);

      try {
        // Counted again now that no push can answer one: a command answered meanwhile is not lost.
        const waiting = unpushed(desk.db).count;
        const approval = waiting > 0 ? approvalOf() : null;
        if (waiting > 0 && !approval) return refuseUnapproved(waiting);
        let written: ReturnType<typeof exportOutbox> | null = null;
        if (waiting > 0) {
          try {
            written = exportOutbox(desk.db, dataDir, 'replica-reset', approval);
          } catch (error) {
            return failure(
              'export-failed',
              `The changes not yet sent could not be saved to a file (${error instanceof Error ? error.message : String(error)}): nothing was reset.`,
            );
          }
        }
        clearReplica(desk.db, desk.feed);
        recordReset(dataDir, {
          at: new Date().toISOString(),
          operatorId,
          unpushed: waiting,
          exportFile: written?.fileName ?? null,
          exportSha256: written?.file.sha256 ?? null,
          approval,
        });
        console.warn(`[desk] replica reset by operator ${operatorId}; ${waiting} unsent change(s) exported${written ? ` to ${written.fileName}` : ''}.`);
        return ok({ fileName: written?.fileName ?? null, exportedCommands: waiting });
      } finally {
        if (wasStarted) desk.engine.start();
      }
    },

    'replica.importOutbox': async ({ fileName }) => {
      const refused = requireMedco() ?? notEnrolled();
      if (refused) return refused;
      if (typeof fileName !== 'string') return failure('invalid-input', 'Name an outbox export of this desk’s outbox-exports folder.');
      const result = importExport(desk.db, dataDir, fileName);
      if (!result.ok) return failure(result.code, result.message);
      if (result.queued > 0) void desk.engine.requestSync();
      return ok({ queued: result.queued, alreadyKnown: result.alreadyKnown });
    },
  };
};
