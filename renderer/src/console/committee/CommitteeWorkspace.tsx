import { UnspecifiedQueueScreen } from './UnspecifiedQueueScreen';

/** MC: unspecified-package cases waiting for the committee's recommended amount. */
export function CommitteeWorkspace() {
  return (
    <UnspecifiedQueueScreen
      title="Medical Committee"
      status="committee-review"
      pastStatuses={['admin-review', 'approved', 'rejected']}
      amountOf="estimate"
      intro="Procedures outside the package catalogue: recommend an amount with your reasoning; Admin then approves. Emergency cases first, then least time left against the service level."
    />
  );
}
