import type { FamilyView, PreauthStatus } from '@desk-api/contract';
import { routeToHash } from '../../app/routes';
import { isOneOf } from '../../desk-client/wire-messages';
import { preauthStatusLabel } from '../../shared/labels';
import { Money } from '../../shared/ui/Money';

const preauthStatuses: readonly PreauthStatus[] = [
  'not-requested',
  'pending-sync',
  'pending',
  'queried',
  'committee-review',
  'admin-review',
  'approved',
  'rejected',
  'cancelled',
];

/** Every active case of the family at any hospital: what each holds on the shared cover. */
export function ActiveCasesTable({ family }: { readonly family: FamilyView }) {
  if (family.activeCases.length === 0) return <p>No member of this family is admitted anywhere.</p>;
  const nameOf = (memberId: string): string => family.members.find((member) => member.memberId === memberId)?.fullName ?? 'Unknown member';
  return (
    <table className="data-table">
      <caption className="visually-hidden">Active cases of this family at every hospital</caption>
      <thead>
        <tr>
          <th scope="col">Member</th>
          <th scope="col">Hospital</th>
          <th scope="col" className="number">
            Hold on the cover
          </th>
          <th scope="col">Pre-auth</th>
        </tr>
      </thead>
      <tbody>
        {family.activeCases.map((active) => (
          <tr key={`${active.memberId}-${active.hospitalCode}`}>
            <th scope="row">
              {active.isOwnHospital && active.caseId ? (
                <a href={routeToHash({ screen: 'case', caseId: active.caseId })}>{nameOf(active.memberId)}</a>
              ) : (
                nameOf(active.memberId)
              )}
            </th>
            <td>{active.isOwnHospital ? `${active.hospitalCode} (this hospital)` : active.hospitalCode}</td>
            <td className="number">
              <Money minor={active.holdAmount} />
            </td>
            <td>
              {active.preauthStatus === null
                ? '—'
                : isOneOf(preauthStatuses, active.preauthStatus)
                  ? preauthStatusLabel(active.preauthStatus).text
                  : active.preauthStatus}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
