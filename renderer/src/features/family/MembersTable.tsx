import type { FamilyView, MemberSummary } from '@desk-api/contract';
import { routeToHash } from '../../app/routes';
import { ECardAction } from './ECardAction';

/**
 * Members and what the desk can do for each: admit (after identity), open their case here, or
 * nothing, because they are admitted at another hospital (one active case per member, PM-JAY rule);
 * and issue, reissue and print their e-card (issue 16).
 */
export function MembersTable({ family }: { readonly family: FamilyView }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">Members</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Relation</th>
          <th scope="col">Born</th>
          <th scope="col">Scheme ID</th>
          <th scope="col">Active case</th>
          <th scope="col">Next step</th>
          <th scope="col">E-card</th>
        </tr>
      </thead>
      <tbody>
        {family.members.map((member) => (
          <tr key={member.memberId}>
            <th scope="row">{member.fullName}</th>
            <td>{member.relation}</td>
            <td>{member.birthYear}</td>
            <td>{member.schemeMemberId}</td>
            <td>{activeCaseText(member)}</td>
            <td>
              <MemberAction member={member} familyId={family.familyId} />
            </td>
            <td>
              <ECardAction member={member} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function activeCaseText(member: MemberSummary): string {
  if (!member.activeCase) return 'None';
  return member.activeCase.isOwnHospital ? 'Admitted at this hospital' : `Admitted at ${member.activeCase.hospitalCode}`;
}

function MemberAction({ member, familyId }: { readonly member: MemberSummary; readonly familyId: string }) {
  const active = member.activeCase;
  if (active?.isOwnHospital && active.caseId) return <a href={routeToHash({ screen: 'case', caseId: active.caseId })}>Open case of {member.fullName}</a>;
  if (active) return <span className="muted">Cannot admit: discharge at {active.hospitalCode} first</span>;
  return <a href={routeToHash({ screen: 'identify', familyId, memberId: member.memberId })}>Identify and admit {member.fullName}</a>;
}
