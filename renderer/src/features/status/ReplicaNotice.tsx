import { useDesk } from '../../app/desk-context';
import { useObservable } from '../../shared/hooks/use-observable';
import { ErrorNotice } from '../../shared/ui/Notice';

/** Says when the desk's working copy is still loading or cannot be refreshed; silent otherwise. */
export function ReplicaNotice() {
  const { replication } = useDesk();
  const status = useObservable(() => replication.status$, replication.status(), [replication]);
  const [firstError] = Object.values(status.errors);
  if (firstError) return <ErrorNotice error={firstError} title="The desk’s working copy cannot be refreshed; what you see may be out of date." />;
  if (!status.isReady)
    return (
      <p className="notice notice-info" role="status">
        Loading the desk’s working copy…
      </p>
    );
  return null;
}
