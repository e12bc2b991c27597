import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { fail, RefusedError } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import { runCommand, type RunnerDependencies } from '../commands/runner';
import type { Database } from '../db/database';
import { searchParameters, type SearchableType } from './capability';
import { identifierSystems } from './config';
import { isUuid, referencedId } from './claim-input';
import * as reads from './reads';
import {
  claimOf,
  claimResponseOf,
  enhancementClaimOf,
  enhancementClaimResponseOf,
  hospitalOrganizationOf,
  insurancePlanOf,
  packageCodeOfResourceId,
  patientOf,
  paymentReconciliationOf,
  preauthClaimOf,
  preauthClaimResponseOf,
  queryTaskOf,
  schemeOrganizationId,
  schemeOrganizationOf,
  type HospitalRow,
  type Presentation,
} from './resources';

/** One search's parameters, parsed: each name to its comma-separated values (OR), and the page. */
export interface SearchQuery {
  readonly params: ReadonlyMap<string, readonly string[]>;
  readonly count: number;
  readonly offset: number;
}

export function parseSearch(type: SearchableType, query: Record<string, unknown>): SearchQuery {
  const known = searchParameters[type] as Record<string, string>;
  const params = new Map<string, string[]>();
  let count = 50;
  let offset = 0;
  for (const [name, raw] of Object.entries(query)) {
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (name === '_count' || name === '_offset') {
      const number = Number(values[0]);
      if (values.length !== 1 || !Number.isInteger(number) || number < (name === '_count' ? 1 : 0) || number > (name === '_count' ? 200 : 1_000_000))
        throw fail('invalid-input', `${name} must be a whole number ${name === '_count' ? 'from 1 to 200' : 'from 0'}.`);
      if (name === '_count') count = number;
      else offset = number;
      continue;
    }
    if (name === '_format') continue;
    if (!(name in known)) throw fail('invalid-input', `${type} cannot be searched by ${name}; it can by ${Object.keys(known).join(', ')}, _count and _offset.`);
    const split = values.flatMap((v) => v.split(',')).filter((v) => v.length > 0);
    if (split.length === 0 || split.length > 50) throw fail('invalid-input', `${name} needs 1 to 50 values.`);
    params.set(name, [...(params.get(name) ?? []), ...split]);
  }
  return { params, count, offset };
}

export interface SearchContext {
  readonly db: Database;
  readonly runner: RunnerDependencies;
  readonly principal: Principal;
  readonly presentation: Presentation;
}

export interface Found {
  readonly resources: Resource[];
  readonly total: number;
}

/** `system|value` or `value` of a token; a token of another system matches nothing. */
function tokenValues(values: readonly string[] | undefined, system: string): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((token) => {
    const bar = token.indexOf('|');
    if (bar < 0) return [token];
    return token.slice(0, bar) === system || token.slice(0, bar) === '' ? [token.slice(bar + 1)] : [];
  });
}
const referenceIds = (values: readonly string[] | undefined, type: string): string[] | undefined =>
  values?.map((v) => referencedId({ reference: v.includes('/') ? v : `${type}/${v}` }, type) ?? '').filter((id) => id.length > 0);
const uuids = (values: readonly string[] | undefined): string[] | undefined => values?.filter(isUuid);

const page = <T>(all: readonly T[], q: SearchQuery): { items: T[]; total: number } => ({ items: all.slice(q.offset, q.offset + q.count), total: all.length });

function requireSomeParameter(type: string, q: SearchQuery, names: string): void {
  if (q.params.size === 0) throw fail('invalid-input', `Search ${type} by ${names}: listing every ${type} of the scheme is not offered.`);
}

/**
 * A lookup of members by scheme member id, as a desk's identify-member: through the command
 * runner, so it is limited per operator and per member, audited, and lets the hospital reach the
 * family for a day (identity/reach.ts). A value that matches no member is no match, not an error.
 */
async function identifyMembers(context: SearchContext, schemeMemberIds: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const value of schemeMemberIds.slice(0, 10)) {
    if (value.length === 0 || value.length > 64) continue;
    try {
      const outcome = await runCommand(context.runner, 'identify-member', { commandId: randomUUID(), by: 'scheme-id', value }, context.principal);
      const memberId = (outcome.answer.result as { member?: { memberId?: string } } | undefined)?.member?.memberId;
      if (outcome.status === 200 && memberId) found.push(memberId);
    } catch (error) {
      if (error instanceof RefusedError && error.refusal.code === 'not-found') continue;
      throw error;
    }
  }
  return found;
}

export async function search(type: SearchableType, q: SearchQuery, context: SearchContext): Promise<Found> {
  const { db, principal, presentation: p } = context;
  const param = (name: string) => q.params.get(name);
  switch (type) {
    case 'Patient': {
      requireSomeParameter(type, q, '_id or identifier (scheme member id)');
      const ids = [
        ...(uuids(param('_id')) ?? []),
        ...(param('identifier') ? await identifyMembers(context, tokenValues(param('identifier'), identifierSystems.member) ?? []) : []),
      ];
      const members = await reads.membersByIds(db, principal, [...new Set(ids)]);
      const { items, total } = page(members, q);
      return { resources: items.map(patientOf), total };
    }
    case 'Group': {
      requireSomeParameter(type, q, '_id, identifier (family number) or member');
      let familyIds: string[] = [];
      if (param('_id')) familyIds.push(...(uuids(param('_id')) ?? []));
      if (param('identifier'))
        familyIds.push(...(await reads.familyIdsByNumber(db, principal, tokenValues(param('identifier'), identifierSystems.family) ?? [])));
      if (param('member')) {
        const members = await reads.membersByIds(db, principal, uuids(referenceIds(param('member'), 'Patient')) ?? []);
        familyIds.push(...members.map((m) => m.family_id));
      }
      familyIds = [...new Set(familyIds)];
      const reachable: string[] = [];
      for (const id of familyIds) if ((await reads.membersOfFamilyInReach(db, principal, id)) !== null) reachable.push(id);
      const { items, total } = page(reachable, q);
      return { resources: await reads.groupsOf(db, items), total };
    }
    case 'Coverage': {
      requireSomeParameter(type, q, '_id, beneficiary or patient');
      const ids = [
        ...(uuids(param('_id')) ?? []),
        ...(uuids(referenceIds(param('beneficiary'), 'Patient')) ?? []),
        ...(uuids(referenceIds(param('patient'), 'Patient')) ?? []),
      ];
      const members = await reads.membersByIds(db, principal, [...new Set(ids)]);
      const { items, total } = page(members, q);
      return { resources: await reads.coveragesOf(db, p, items), total };
    }
    case 'Organization': {
      const hospitals = await db.query<HospitalRow>('SELECT id, code, name, district FROM hospitals ORDER BY code');
      const all = [schemeOrganizationOf(p), ...hospitals.map(hospitalOrganizationOf)];
      const ids = param('_id');
      const codes = param('identifier')?.map((t) => (t.includes('|') ? t.slice(t.indexOf('|') + 1) : t));
      const kept = all.filter((o) => (!ids || ids.includes(o.id!)) && (!codes || o.identifier!.some((i) => codes.includes(i.value!))));
      const { items, total } = page(kept, q);
      return { resources: items, total };
    }
    case 'InsurancePlan': {
      const codes = [...(param('_id')?.map(packageCodeOfResourceId) ?? []), ...(tokenValues(param('identifier'), identifierSystems.package) ?? [])];
      const rows = await reads.packages(db, q.params.size === 0 ? null : codes);
      const { items, total } = page(rows, q);
      return { resources: items.map((row) => insurancePlanOf(p, row)), total };
    }
    case 'Claim':
    case 'ClaimResponse': {
      const isResponse = type === 'ClaimResponse';
      const idValues = [...(param('_id') ?? []), ...(isResponse ? (referenceIds(param('request'), 'Claim') ?? []) : [])];
      const ids = param('_id') || (isResponse && param('request')) ? uuids(idValues) : undefined;
      const memberIds = uuids(referenceIds(param('patient'), 'Patient'));
      const uses = param('use');
      let caseIds = ids;
      let claimIds = ids;
      let enhancementIds = ids;
      if (param('identifier')) {
        const byIdentifier = await reads.claimsByIdentifier(db, principal, param('identifier')!);
        const within = (found: string[]) => found.filter((id) => !ids || ids.includes(id));
        caseIds = within(byIdentifier.caseIds);
        claimIds = within(byIdentifier.claimIds);
        enhancementIds = within(byIdentifier.enhancementIds);
      }
      const wantsPreauths = !uses || uses.includes('preauthorization');
      const wantsClaims = !uses || uses.includes('claim');
      const members = memberIds ? { memberIds } : {};
      // Three kinds of record make one result list: pre-auths, then claims, then enhancements (a
      // pre-auth that extends another); each source gets what is left of the page after the ones before it.
      const sources: ((limit: number, offset: number) => Promise<{ resources: Resource[]; total: number }>)[] = [
        async (limit, offset) => {
          if (!wantsPreauths) return { resources: [], total: 0 };
          const found = await reads.preauths(db, principal, { ...(caseIds ? { caseIds } : {}), ...members, limit, offset });
          return { resources: found.rows.map((row) => (isResponse ? preauthClaimResponseOf(p, row) : preauthClaimOf(p, row))), total: found.total };
        },
        async (limit, offset) => {
          if (!wantsClaims) return { resources: [], total: 0 };
          const found = await reads.claims(db, principal, { ...(claimIds ? { claimIds } : {}), ...members, limit, offset });
          return { resources: found.rows.map((row) => (isResponse ? claimResponseOf(p, row) : claimOf(p, row))), total: found.total };
        },
        async (limit, offset) => {
          if (!wantsPreauths) return { resources: [], total: 0 };
          const found = await reads.enhancements(db, principal, { ...(enhancementIds ? { enhancementIds } : {}), ...members, limit, offset });
          return {
            resources: found.rows.map((row) => (isResponse ? enhancementClaimResponseOf(p, row) : enhancementClaimOf(p, row))),
            total: found.total,
          };
        },
      ];
      const resources: Resource[] = [];
      let total = 0;
      for (const source of sources) {
        const remaining = q.count - resources.length;
        const found = await source(Math.max(remaining, 0), Math.max(0, q.offset - total));
        if (remaining > 0) resources.push(...found.resources);
        total += found.total;
      }
      return { resources, total };
    }
    case 'PaymentReconciliation': {
      const found = await reads.payments(db, principal, {
        ...(param('_id') ? { paymentIds: uuids(param('_id')) ?? [] } : {}),
        ...(param('request') ? { claimIds: uuids(referenceIds(param('request'), 'Claim')) ?? [] } : {}),
        limit: q.count,
        offset: q.offset,
      });
      return { resources: found.rows.map((row) => paymentReconciliationOf(p, row)), total: found.total };
    }
    case 'Task': {
      const statuses = param('status')?.flatMap((s) =>
        s === 'requested' ? ['queried'] : s === 'completed' ? ['pending', 'approved', 'rejected', 'cancelled', 'committee-review', 'admin-review'] : [],
      );
      const found = await reads.preauths(db, principal, {
        onlyQueried: true,
        ...(param('_id') ? { preauthIds: uuids(param('_id')) ?? [] } : {}),
        ...(param('focus') ? { caseIds: uuids(referenceIds(param('focus'), 'Claim')) ?? [] } : {}),
        ...(statuses ? { statuses } : {}),
        limit: q.count,
        offset: q.offset,
      });
      return { resources: found.rows.map((row) => queryTaskOf(p, row)).filter((t) => t !== null), total: found.total };
    }
    default: {
      const never: never = type;
      throw fail('not-found', `There is no ${String(never)} here.`);
    }
  }
}

/** Read one resource by id: the search by _id, found or not found (404, also for what the hospital may not read). */
export async function read(type: SearchableType, id: string, context: SearchContext): Promise<Resource> {
  if (type === 'Organization' && id === schemeOrganizationId(context.presentation.schemeId)) return schemeOrganizationOf(context.presentation);
  const found = await search(type, { params: new Map([['_id', [id]]]), count: 2, offset: 0 }, context);
  const [resource] = found.resources.filter((r) => r.id === id);
  if (!resource) throw fail('not-found', `There is no ${type}/${id} your hospital may read.`);
  return resource;
}
