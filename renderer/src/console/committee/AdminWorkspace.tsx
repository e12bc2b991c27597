import { UnspecifiedQueueScreen } from './UnspecifiedQueueScreen';

/** ADMIN: the committee's recommendations waiting for approval. */
export function AdminWorkspace() {
  return (
    <UnspecifiedQueueScreen
      title="Admin approval"
      status="admin-review"
      pastStatuses={['approved', 'rejected']}
      amountOf="recommendation"
      intro="Unspecified-package cases the Medical Committee has recommended: approve, approve lower or reject. Emergency cases first, then least time left against the service level."
    />
  );
}
