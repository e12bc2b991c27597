import type { IdentifyMatch } from '@desk-api/contract';
import { routeToHash } from '../../app/routes';

/**
 * Search results: one row per member, each with a link to the family (Tab, then Enter). A match in
 * the desk's copy means the server was not needed, not that it could not be asked: whether the
 * server answers is the header's to say.
 */
export function MatchList({ matches, source }: { readonly matches: readonly IdentifyMatch[]; readonly source: 'replica' | 'server' }) {
  return (
    <table className="data-table">
      <caption>
        {matches.length} member{matches.length === 1 ? '' : 's'} found {source === 'replica' ? 'in this desk’s copy of the registry' : 'on the server'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Scheme ID</th>
          <th scope="col">Born</th>
          <th scope="col">Relation</th>
          <th scope="col">Family</th>
          <th scope="col">Active case</th>
        </tr>
      </thead>
      <tbody>
        {matches.map(({ member, familyId, familyNumber }) => (
          <tr key={member.memberId}>
            <th scope="row">
              <a href={routeToHash({ screen: 'family', familyId })}>{member.fullName}</a>
            </th>
            <td>{member.schemeMemberId}</td>
            <td>{member.birthYear}</td>
            <td>{member.relation}</td>
            <td>{familyNumber}</td>
            <td>{member.activeCase ? (member.activeCase.isOwnHospital ? 'Admitted here' : `At ${member.activeCase.hospitalCode}`) : 'None'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
