import type {
  Claim,
  ClaimResponse,
  ClaimResponseItemAdjudication,
  ClaimResponseTotal,
  Coverage,
  Group,
  InsurancePlan,
  Meta,
  Organization,
  Patient,
  PaymentReconciliation,
  Task,
} from '@medplum/fhirtypes';
import { formatAmount } from '@domain/money';
import { codeSystems, identifierSystems, type WorkflowCodes, type WorkflowStep } from './config';
import { moneyOf, type Currency } from './money';

/**
 * CoverDesk's records as FHIR R4 resources: pure functions of rows, no I/O (reads.ts reads the
 * rows, scoped like a desk). Ids are the records' own: Patient = member, Group = family, Coverage =
 * member (a family floater's cover seen from one beneficiary), Organization = hospital (and
 * `scheme-<id>` for the scheme), InsurancePlan = package, Claim and ClaimResponse of a pre-auth =
 * case, of a claim = claim, PaymentReconciliation = payment, Task = the pre-auth's query.
 */
export interface Presentation {
  readonly currency: Currency;
  readonly locale: string;
  readonly schemeId: string;
  readonly schemeName: string;
  readonly workflow: WorkflowCodes;
}

const hl7 = {
  claimType: 'http://terminology.hl7.org/CodeSystem/claim-type',
  adjudication: 'http://terminology.hl7.org/CodeSystem/adjudication',
  processPriority: 'http://terminology.hl7.org/CodeSystem/processpriority',
  fundsReserve: 'http://terminology.hl7.org/CodeSystem/fundsreserve',
  subscriberRelationship: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship',
  coverageClass: 'http://terminology.hl7.org/CodeSystem/coverage-class',
  paymentType: 'http://terminology.hl7.org/CodeSystem/payment-type',
  exPaymentType: 'http://terminology.hl7.org/CodeSystem/ex-paymenttype',
  taskCode: 'http://hl7.org/fhir/CodeSystem/task-code',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  informationCategory: 'http://terminology.hl7.org/CodeSystem/claiminformationcategory',
  relatedClaimRelationship: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship',
} as const;

const fhirId = /^[A-Za-z0-9\-.]{1,64}$/;
/** A package code as a FHIR id: itself when R4 allows it, else a hex spelling (reversible, never colliding with a plain code). */
export function packageResourceId(code: string): string {
  return fhirId.test(code) && !code.startsWith('x-') ? code : `x-${Buffer.from(code, 'utf8').toString('hex')}`.slice(0, 64);
}
export function packageCodeOfResourceId(id: string): string {
  return id.startsWith('x-') ? Buffer.from(id.slice(2), 'hex').toString('utf8') : id;
}
export const schemeOrganizationId = (schemeId: string): string => `scheme-${schemeId}`.replace(/[^A-Za-z0-9\-.]/g, '-').slice(0, 64);

const instant = (value: Date | string): string => new Date(value).toISOString();
const date = (value: Date | string): string => instant(value).slice(0, 10);
const words = (p: Presentation, minor: number): string => formatAmount(minor, p.currency.code, p.locale, p.currency.minorPerUnit);

function tagged(p: Presentation, step: WorkflowStep | null): Meta | undefined {
  if (step === null) return undefined;
  return { tag: [{ system: p.workflow.system, code: p.workflow.codes[step], display: step }] };
}
const withMeta = (meta: Meta | undefined) => (meta ? { meta } : {});

function category(system: string, code: string, display?: string) {
  return { coding: [{ system, code, ...(display ? { display } : {}) }] };
}
function adjudication(p: Presentation, system: string, code: string, minor: number, reason?: string | null): ClaimResponseItemAdjudication {
  return {
    category: category(system, code),
    amount: moneyOf(minor, p.currency),
    ...(reason ? { reason: category(codeSystems.reason, reason) } : {}),
  };
}

/**
 * The patient's part of an amount the plan was asked for, by kind (issue 14): cost sharing the
 * plan's design asks of the patient — deductible and co-pay (R4's own adjudication codes),
 * co-insurance and what the plan does not pay (CARIN Blue Button's adjudication codes; R4 has
 * none) — apart from a shortfall (what the family's cover could not hold: this server's code).
 * An estimate written before its parts were kept (migration 044) is stated whole, as the
 * member's liability.
 */
const carinAdjudication = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication';
interface PatientParts {
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  readonly notCovered: number;
}
function patientPartLines(p: Presentation, total: number, parts: PatientParts | null): ClaimResponseItemAdjudication[] {
  if (total <= 0) return [];
  if (parts === null) return [adjudication(p, carinAdjudication, 'memberliability', total)];
  // Capped in this order at `total` (an approval lower than the request caps the estimate).
  let left = total;
  const lines: ClaimResponseItemAdjudication[] = [];
  for (const [system, code, amount] of [
    [hl7.adjudication, 'deductible', parts.deductible],
    [carinAdjudication, 'coinsurance', parts.coinsurance],
    [hl7.adjudication, 'copay', parts.copay],
    [carinAdjudication, 'noncovered', parts.notCovered],
  ] as const) {
    const part = Math.min(left, amount);
    if (part > 0) lines.push(adjudication(p, system, code, part));
    left -= part;
  }
  return lines;
}
function patientPartWords(p: Presentation, total: number, parts: PatientParts | null): string {
  if (total <= 0) return '';
  const named = parts
    ? (
        [
          ['deductible', parts.deductible],
          ['co-insurance', parts.coinsurance],
          ['co-pay', parts.copay],
          ['not covered by the plan', parts.notCovered],
        ] as const
      )
        .filter(([, amount]) => amount > 0)
        .map(([what, amount]) => `${words(p, amount)} ${what}`)
    : [];
  return `the patient's estimated part under the plan is ${words(p, total)}${named.length > 0 ? ` (${named.join(', ')})` : ''}`;
}
const partsOf = (deductible: number | null, coinsurance: number | null, copay: number | null, notCovered: number | null): PatientParts | null =>
  deductible === null || coinsurance === null || copay === null || notCovered === null ? null : { deductible, coinsurance, copay, notCovered };

// ── Registry ────────────────────────────────────────────────────────────────────────────────

export interface MemberRow {
  id: string;
  family_id: string;
  scheme_member_id: string;
  full_name: string;
  birth_year: number;
  gender: string;
  relation: string;
}
const genders: Record<string, Patient['gender']> = { F: 'female', M: 'male', X: 'other' };

export function patientOf(member: MemberRow): Patient {
  return {
    resourceType: 'Patient',
    id: member.id,
    identifier: [{ use: 'official', system: identifierSystems.member, value: member.scheme_member_id }],
    active: true,
    name: [{ use: 'official', text: member.full_name }],
    gender: genders[member.gender] ?? 'unknown',
    birthDate: String(member.birth_year),
  };
}

export interface FamilyRow {
  id: string;
  family_number: string;
  district: string;
}
export function groupOf(family: FamilyRow, members: readonly MemberRow[]): Group {
  return {
    resourceType: 'Group',
    id: family.id,
    identifier: [{ system: identifierSystems.family, value: family.family_number }],
    active: true,
    type: 'person',
    actual: true,
    name: `Family ${family.family_number}`,
    quantity: members.length,
    member: members.map((m) => ({ entity: { reference: `Patient/${m.id}` } })),
  };
}

const relationships: Record<string, string> = { head: 'self', spouse: 'spouse', son: 'child', daughter: 'child', parent: 'parent', other: 'other' };

export function coverageOf(p: Presentation, member: MemberRow, family: FamilyRow, head: MemberRow | null, policyYear: { start: Date; end: Date }): Coverage {
  return {
    resourceType: 'Coverage',
    id: member.id,
    status: 'active',
    type: { text: 'Family floater cover' },
    ...(head ? { subscriber: { reference: `Patient/${head.id}` } } : {}),
    subscriberId: family.family_number,
    beneficiary: { reference: `Patient/${member.id}` },
    relationship: category(hl7.subscriberRelationship, relationships[member.relation] ?? 'other'),
    period: { start: instant(policyYear.start), end: instant(policyYear.end) },
    payor: [{ reference: `Organization/${schemeOrganizationId(p.schemeId)}` }],
    class: [
      { type: category(hl7.coverageClass, 'plan'), value: p.schemeId, name: p.schemeName },
      { type: category(hl7.coverageClass, 'group'), value: family.family_number, name: `Family ${family.family_number}` },
    ],
  };
}

export interface HospitalRow {
  id: string;
  code: string;
  name: string;
  district: string;
}
export function hospitalOrganizationOf(hospital: HospitalRow): Organization {
  return {
    resourceType: 'Organization',
    id: hospital.id,
    identifier: [{ system: identifierSystems.hospital, value: hospital.code }],
    active: true,
    type: [category(hl7.organizationType, 'prov', 'Healthcare Provider')],
    name: hospital.name,
    address: [{ district: hospital.district }],
  };
}
export function schemeOrganizationOf(p: Presentation): Organization {
  return {
    resourceType: 'Organization',
    id: schemeOrganizationId(p.schemeId),
    identifier: [{ system: identifierSystems.scheme, value: p.schemeId }],
    active: true,
    type: [category(hl7.organizationType, 'pay', 'Payer')],
    name: p.schemeName,
  };
}

export interface PackageRow {
  code: string;
  name: string;
  specialty: string;
  is_unspecified: boolean;
  prices: { version: number; price: number; effective_from: string }[];
}
/** A package and every price version it has had: each version one `plan`, newest first. */
export function insurancePlanOf(p: Presentation, pkg: PackageRow): InsurancePlan {
  const versions = [...pkg.prices].sort((a, b) => b.version - a.version);
  return {
    resourceType: 'InsurancePlan',
    id: packageResourceId(pkg.code),
    identifier: [{ system: identifierSystems.package, value: pkg.code }],
    status: 'active',
    type: [{ text: pkg.is_unspecified ? 'Unspecified package (estimated amount, Medical Committee review)' : 'Treatment package' }],
    name: pkg.name,
    ownedBy: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    administeredBy: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    coverage: [{ type: { text: pkg.specialty }, benefit: [{ type: { text: pkg.name } }] }],
    plan: versions.map((v, index) => ({
      identifier: [{ system: identifierSystems.packagePriceVersion, value: String(v.version) }],
      type: { text: index === 0 ? 'current price' : 'earlier price' },
      generalCost: [{ cost: moneyOf(v.price, p.currency), comment: `Price version ${v.version}, in force from ${instant(v.effective_from)}` }],
    })),
  };
}

// ── Pre-authorization: Claim and ClaimResponse of a case ─────────────────────────────────────

export interface PreauthRow {
  case_id: string;
  member_id: string;
  hospital_id: string;
  case_status: string;
  is_emergency: boolean;
  admitted_at: string;
  preauth_id: string;
  package_code: string;
  package_name: string;
  package_version: number;
  requested_amount: number;
  approved_amount: number | null;
  preauth_status: string;
  clinical_note: string | null;
  query_reason: string | null;
  query_response: string | null;
  decision_reason: string | null;
  requested_at: string;
  decided_at: string | null;
  hold_id: string | null;
  hold_amount: number | null;
  hold_authorized: number | null;
  hold_consumed: number | null;
  hold_status: string | null;
  /** The patient's estimated part kept on the hold (031) and its parts (044; NULL on holds placed before 044). */
  estimate_total: number | null;
  estimate_deductible: number | null;
  estimate_coinsurance: number | null;
  estimate_copay: number | null;
  estimate_not_covered: number | null;
  identifier_system: string | null;
  identifier_value: string | null;
  /** How many times the reviewer has queried this pre-auth: the version of its Task. */
  query_round: number;
}

function preauthStep(row: PreauthRow): WorkflowStep {
  // Discharged with the hold still standing: the claim is what the exchange waits for next.
  if (row.case_status === 'discharged' && row.hold_status === 'active') return 'discharged';
  switch (row.preauth_status) {
    case 'approved':
      return 'approved';
    case 'rejected':
    case 'cancelled':
      return 'rejected';
    case 'queried':
      return 'queried';
    default:
      return 'preauth-requested';
  }
}

const identifierOf = (row: { identifier_system: string | null; identifier_value: string | null }) =>
  row.identifier_value !== null ? { identifier: [{ ...(row.identifier_system ? { system: row.identifier_system } : {}), value: row.identifier_value }] } : {};

export function preauthClaimOf(p: Presentation, row: PreauthRow): Claim {
  return {
    resourceType: 'Claim',
    id: row.case_id,
    ...withMeta(tagged(p, 'preauth-requested')),
    ...identifierOf(row),
    status: row.case_status === 'cancelled' ? 'cancelled' : 'active',
    type: category(hl7.claimType, 'institutional'),
    use: 'preauthorization',
    patient: { reference: `Patient/${row.member_id}` },
    created: instant(row.requested_at),
    insurer: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    provider: { reference: `Organization/${row.hospital_id}` },
    priority: category(hl7.processPriority, row.is_emergency ? 'stat' : 'normal'),
    fundsReserve: category(hl7.fundsReserve, 'patient'),
    ...(row.clinical_note ? { supportingInfo: [{ sequence: 1, category: category(hl7.informationCategory, 'info'), valueString: row.clinical_note }] } : {}),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${row.member_id}` } }],
    item: [
      {
        sequence: 1,
        productOrService: { coding: [{ system: identifierSystems.package, code: row.package_code, display: row.package_name }], text: row.package_name },
        unitPrice: moneyOf(row.requested_amount, p.currency),
        net: moneyOf(row.requested_amount, p.currency),
      },
    ],
    total: moneyOf(row.requested_amount, p.currency),
  };
}

/**
 * What the authorized amount of an active hold splits into: the plan's part held, the patient's
 * estimated part under the plan (at most the authorized amount: an approval lower than the request
 * caps it), and the true shortfall, what the cover could not hold of the plan's part.
 */
function preauthSplit(row: PreauthRow): { held: number; estimate: number; parts: PatientParts | null; shortfall: number } {
  const held = row.hold_amount ?? 0;
  const authorized = row.hold_authorized ?? 0;
  const estimate = Math.min(authorized, row.estimate_total ?? 0);
  const parts = partsOf(row.estimate_deductible, row.estimate_coinsurance, row.estimate_copay, row.estimate_not_covered);
  return { held, estimate, parts, shortfall: Math.max(0, authorized - held - estimate) };
}

/** What a pre-auth's hold and decision amount to, as adjudication lines: the same on the item and in total. */
function preauthAdjudication(p: Presentation, row: PreauthRow): ClaimResponseItemAdjudication[] {
  const lines = [adjudication(p, hl7.adjudication, 'submitted', row.requested_amount)];
  if (row.hold_amount !== null) lines.push(adjudication(p, hl7.adjudication, 'benefit', row.hold_amount));
  if (row.hold_status === 'active') {
    const split = preauthSplit(row);
    lines.push(...patientPartLines(p, split.estimate, split.parts));
    if (split.shortfall > 0) lines.push(adjudication(p, codeSystems.adjudication, 'shortfall', split.shortfall));
  }
  if (row.approved_amount !== null) lines.push(adjudication(p, hl7.adjudication, 'eligible', row.approved_amount));
  return lines;
}

function preauthDisposition(p: Presentation, row: PreauthRow): string {
  const { held, estimate, parts, shortfall } = preauthSplit(row);
  const patientWords = [patientPartWords(p, estimate, parts), shortfall > 0 ? `${words(p, shortfall)} would be the patient's shortfall` : '']
    .filter((clause) => clause !== '')
    .join('; ');
  const holdWords =
    row.hold_status === 'active'
      ? patientWords !== ''
        ? `${words(p, held)} is held on the family's cover; ${patientWords}.`
        : `${words(p, held)} is held on the family's cover.`
      : row.hold_status === 'released'
        ? 'The hold was released.'
        : row.hold_status === 'claimed'
          ? 'The hold became the claim.'
          : '';
  switch (row.preauth_status) {
    case 'approved':
      return `Pre-authorization approved for ${words(p, row.approved_amount ?? row.requested_amount)}. ${holdWords}`.trim();
    case 'rejected':
      return `Pre-authorization rejected${row.decision_reason ? `: ${row.decision_reason}` : ''}. ${holdWords}`.trim();
    case 'cancelled':
      return `Pre-authorization cancelled. ${holdWords}`.trim();
    case 'queried':
      return `The reviewer asked a question (see the Task): ${row.query_reason ?? ''}. ${holdWords}`.trim();
    case 'committee-review':
    case 'admin-review':
      return `Waiting for the Medical Committee and Admin (unspecified package). ${holdWords}`.trim();
    default:
      return `Waiting for the pre-authorization decision. ${holdWords}`.trim();
  }
}

/** What every pre-authorization ClaimResponse states alike (a pre-auth's and an enhancement's). */
function preauthorizationAnswer(
  p: Presentation,
  row: { readonly member_id: string; readonly hospital_id: string; readonly decided_at: Date | string | null; readonly requested_at: Date | string },
): Pick<ClaimResponse, 'type' | 'use' | 'patient' | 'created' | 'insurer' | 'requestor'> {
  return {
    type: category(hl7.claimType, 'institutional'),
    use: 'preauthorization',
    patient: { reference: `Patient/${row.member_id}` },
    created: instant(row.decided_at ?? row.requested_at),
    insurer: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    requestor: { reference: `Organization/${row.hospital_id}` },
  };
}

export function preauthClaimResponseOf(p: Presentation, row: PreauthRow): ClaimResponse {
  const isDecided = ['approved', 'rejected', 'cancelled'].includes(row.preauth_status);
  const lines = preauthAdjudication(p, row);
  return {
    resourceType: 'ClaimResponse',
    id: row.case_id,
    ...withMeta(tagged(p, preauthStep(row))),
    ...identifierOf(row),
    status: row.case_status === 'cancelled' ? 'cancelled' : 'active',
    ...preauthorizationAnswer(p, row),
    request: { reference: `Claim/${row.case_id}` },
    outcome: isDecided ? 'complete' : 'queued',
    disposition: preauthDisposition(p, row),
    ...(row.hold_id ? { preAuthRef: row.hold_id } : {}),
    ...(row.hold_status === 'active' ? { fundsReserve: category(hl7.fundsReserve, 'patient') } : {}),
    item: [{ itemSequence: 1, adjudication: lines }],
    total: lines.map((line): ClaimResponseTotal => ({ category: line.category, amount: line.amount! })),
    ...(row.query_reason || row.decision_reason
      ? {
          processNote: [
            ...(row.query_reason ? [{ number: 1, type: 'display' as const, text: `Query: ${row.query_reason}` }] : []),
            ...(row.decision_reason ? [{ number: 2, type: 'display' as const, text: `Decision: ${row.decision_reason}` }] : []),
          ],
        }
      : {}),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${row.member_id}` } }],
  };
}

/**
 * The reviewer's query as a Task the hospital answers (PUT, status completed, the answer in
 * output): `meta.versionId` is the query's round, so an answer names the query it answers.
 */
export function queryTaskOf(p: Presentation, row: PreauthRow): Task | null {
  if (row.query_reason === null) return null;
  const isAnswered = row.preauth_status !== 'queried';
  return {
    resourceType: 'Task',
    id: row.preauth_id,
    meta: { versionId: String(row.query_round), ...(isAnswered ? {} : tagged(p, 'queried')) },
    status: isAnswered ? 'completed' : 'requested',
    intent: 'order',
    code: { coding: [{ system: hl7.taskCode, code: 'fulfill' }], text: "Answer the reviewer's query on the pre-authorization" },
    focus: { reference: `Claim/${row.case_id}` },
    for: { reference: `Patient/${row.member_id}` },
    authoredOn: instant(row.requested_at),
    owner: { reference: `Organization/${row.hospital_id}` },
    input: [{ type: { text: 'query' }, valueString: row.query_reason }],
    ...(row.query_response ? { output: [{ type: { text: 'response' }, valueString: row.query_response }] } : {}),
  };
}

// ── Enhancements: more on an approved pre-auth (NHCX 13) ──────────────────────────────────────

export interface EnhancementRow {
  enhancement_id: string;
  case_id: string;
  member_id: string;
  hospital_id: string;
  case_status: string;
  package_code: string;
  package_name: string;
  requested_amount: number;
  approved_amount: number | null;
  granted_amount: number | null;
  status: string;
  reason: string;
  decision_reason: string | null;
  requested_at: string;
  decided_at: string | null;
  hold_id: string | null;
  hold_amount: number | null;
  /** The patient's part of the approved amount by kind (migration 044); NULL until approved, or approved before 044. */
  patient_deductible: number | null;
  patient_coinsurance: number | null;
  patient_copay: number | null;
  patient_not_covered: number | null;
  identifier_system: string | null;
  identifier_value: string | null;
}

function enhancementStep(row: EnhancementRow): WorkflowStep {
  switch (row.status) {
    case 'approved':
      return 'approved';
    case 'rejected':
    case 'cancelled':
      return 'rejected';
    default:
      return 'enhancement-requested';
  }
}

/** The enhancement as the Claim a hospital system sent: one item (the amount asked for), related to the pre-auth it extends. */
export function enhancementClaimOf(p: Presentation, row: EnhancementRow): Claim {
  return {
    resourceType: 'Claim',
    id: row.enhancement_id,
    ...withMeta(tagged(p, 'enhancement-requested')),
    ...identifierOf(row),
    status: row.status === 'cancelled' ? 'cancelled' : 'active',
    type: category(hl7.claimType, 'institutional'),
    use: 'preauthorization',
    patient: { reference: `Patient/${row.member_id}` },
    created: instant(row.requested_at),
    insurer: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    provider: { reference: `Organization/${row.hospital_id}` },
    priority: category(hl7.processPriority, 'normal'),
    fundsReserve: category(hl7.fundsReserve, 'patient'),
    related: [{ claim: { reference: `Claim/${row.case_id}` }, relationship: category(hl7.relatedClaimRelationship, 'prior') }],
    supportingInfo: [{ sequence: 1, category: category(hl7.informationCategory, 'info'), valueString: row.reason }],
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${row.member_id}` }, ...(row.hold_id ? { preAuthRef: [row.hold_id] } : {}) }],
    item: [
      {
        sequence: 1,
        productOrService: {
          coding: [{ system: identifierSystems.package, code: row.package_code, display: row.package_name }],
          text: `Enhancement: ${row.package_name}`,
        },
        net: moneyOf(row.requested_amount, p.currency),
      },
    ],
    total: moneyOf(row.requested_amount, p.currency),
  };
}

/**
 * What the approved amount of an enhancement splits into: the plan's part granted, the patient's
 * part under the plan (044; on an enhancement approved before it, the whole rest is stated as the
 * member's liability), and the shortfall, what the cover could not hold of the plan's part.
 */
function enhancementSplit(row: EnhancementRow): { granted: number; patientPart: number; parts: PatientParts | null; shortfall: number } {
  const granted = row.granted_amount ?? 0;
  const uncovered = Math.max(0, (row.approved_amount ?? 0) - granted);
  const parts = partsOf(row.patient_deductible, row.patient_coinsurance, row.patient_copay, row.patient_not_covered);
  const patientPart = parts ? Math.min(uncovered, parts.deductible + parts.coinsurance + parts.copay + parts.notCovered) : 0;
  return { granted, patientPart, parts, shortfall: uncovered - patientPart };
}

function enhancementAdjudication(p: Presentation, row: EnhancementRow): ClaimResponseItemAdjudication[] {
  const lines = [adjudication(p, hl7.adjudication, 'submitted', row.requested_amount)];
  if (row.approved_amount !== null) lines.push(adjudication(p, hl7.adjudication, 'eligible', row.approved_amount));
  if (row.granted_amount !== null) lines.push(adjudication(p, hl7.adjudication, 'benefit', row.granted_amount));
  if (row.approved_amount !== null && row.granted_amount !== null) {
    const split = enhancementSplit(row);
    if (split.parts === null) {
      if (split.shortfall > 0) lines.push(adjudication(p, carinAdjudication, 'memberliability', split.shortfall));
    } else {
      lines.push(...patientPartLines(p, split.patientPart, split.parts));
      if (split.shortfall > 0) lines.push(adjudication(p, codeSystems.adjudication, 'shortfall', split.shortfall));
    }
  }
  return lines;
}

function enhancementDisposition(p: Presentation, row: EnhancementRow): string {
  const hold = row.hold_amount !== null ? ` The hold is ${words(p, row.hold_amount)}.` : '';
  switch (row.status) {
    case 'approved': {
      const { granted, patientPart, parts, shortfall } = enhancementSplit(row);
      const patientWords = [
        patientPartWords(p, patientPart, parts),
        shortfall > 0 ? (parts ? `${words(p, shortfall)} would be the patient's shortfall` : `${words(p, shortfall)} would be the patient's`) : '',
      ].filter((clause) => clause !== '');
      return `Enhancement approved for ${words(p, row.approved_amount ?? 0)} of ${words(p, row.requested_amount)}: ${words(p, granted)} more is held on the family's cover${patientWords.length > 0 ? `; ${patientWords.join('; ')}` : ''}.${hold}`;
    }
    case 'rejected':
      return `Enhancement rejected${row.decision_reason ? `: ${row.decision_reason}` : ''}.${hold}`;
    case 'cancelled':
      return `Enhancement cancelled.${hold}`;
    default:
      return `Enhancement of ${words(p, row.requested_amount)} requested; waiting for the PPD decision.${hold}`;
  }
}

export function enhancementClaimResponseOf(p: Presentation, row: EnhancementRow): ClaimResponse {
  const lines = enhancementAdjudication(p, row);
  return {
    resourceType: 'ClaimResponse',
    id: row.enhancement_id,
    ...withMeta(tagged(p, enhancementStep(row))),
    ...identifierOf(row),
    status: row.status === 'cancelled' ? 'cancelled' : 'active',
    ...preauthorizationAnswer(p, row),
    request: { reference: `Claim/${row.enhancement_id}` },
    outcome: row.status === 'pending' ? 'queued' : 'complete',
    disposition: enhancementDisposition(p, row),
    ...(row.hold_id ? { preAuthRef: row.hold_id } : {}),
    item: [{ itemSequence: 1, adjudication: lines }],
    total: lines.map((line): ClaimResponseTotal => ({ category: line.category, amount: line.amount! })),
    processNote: [
      { number: 1, type: 'display', text: `Reason: ${row.reason}` },
      ...(row.decision_reason ? [{ number: 2, type: 'display' as const, text: `Decision: ${row.decision_reason}` }] : []),
    ],
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${row.member_id}` } }],
  };
}

// ── Claims and payments ─────────────────────────────────────────────────────────────────────

export interface ClaimLineRow {
  booking_id: string;
  item_code: string;
  description: string;
  quantity: number;
  unit_price: number;
  amount: number;
  payer_amount: number;
  patient_amount: number;
  cex_decision: string | null;
  cex_amount: number | null;
  cex_reason_code: string | null;
  cpd_decision: string | null;
  approved_amount: number | null;
  reason_code: string | null;
}
export interface ClaimRow {
  id: string;
  case_id: string;
  member_id: string;
  hospital_id: string;
  hold_id: string | null;
  amount: number;
  payer_amount: number;
  patient_amount: number;
  approved_amount: number | null;
  status: string;
  submitted_at: string;
  verified_at: string | null;
  payment_id: string | null;
  payment_reference: string | null;
  payment_created_at: string | null;
  identifier_system: string | null;
  identifier_value: string | null;
  lines: ClaimLineRow[];
}

function claimStep(status: string): WorkflowStep {
  switch (status) {
    case 'processed':
      return 'claim-processed';
    case 'approved':
      return 'approved';
    case 'denied':
      return 'rejected';
    case 'paid':
      return 'settled';
    default:
      return 'claim-submitted';
  }
}

export function claimOf(p: Presentation, row: ClaimRow): Claim {
  return {
    resourceType: 'Claim',
    id: row.id,
    ...withMeta(tagged(p, 'claim-submitted')),
    ...identifierOf(row),
    status: 'active',
    type: category(hl7.claimType, 'institutional'),
    use: 'claim',
    patient: { reference: `Patient/${row.member_id}` },
    created: instant(row.submitted_at),
    insurer: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    provider: { reference: `Organization/${row.hospital_id}` },
    priority: category(hl7.processPriority, 'normal'),
    related: [{ claim: { reference: `Claim/${row.case_id}` } }],
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${row.member_id}` }, ...(row.hold_id ? { preAuthRef: [row.hold_id] } : {}) }],
    item: row.lines.map((line, index) => ({
      sequence: index + 1,
      productOrService: { coding: [{ system: codeSystems.itemCode, code: line.item_code }], text: line.description },
      quantity: { value: line.quantity },
      unitPrice: moneyOf(line.unit_price, p.currency),
      net: moneyOf(line.amount, p.currency),
    })),
    total: moneyOf(row.amount, p.currency),
  };
}

function claimLineAdjudication(p: Presentation, line: ClaimLineRow): ClaimResponseItemAdjudication[] {
  const lines = [adjudication(p, hl7.adjudication, 'submitted', line.amount), adjudication(p, hl7.adjudication, 'benefit', line.payer_amount)];
  if (line.patient_amount > 0) lines.push(adjudication(p, codeSystems.adjudication, 'shortfall', line.patient_amount));
  if (line.cex_decision !== null) lines.push(adjudication(p, codeSystems.adjudication, 'cex-recommended', line.cex_amount ?? 0, line.cex_reason_code));
  if (line.approved_amount !== null) lines.push(adjudication(p, hl7.adjudication, 'eligible', line.approved_amount, line.reason_code));
  return lines;
}

function claimDisposition(p: Presentation, row: ClaimRow): string {
  switch (row.status) {
    case 'processed':
      return `Claim of ${words(p, row.amount)} processed by CEX; waiting for CPD verification.`;
    case 'approved':
      return `Claim approved for ${words(p, row.approved_amount ?? 0)} of ${words(p, row.payer_amount)}; waiting for payment.`;
    case 'denied':
      return `Claim denied; ${words(p, row.payer_amount)} returned to the family's cover.`;
    case 'paid':
      return `Claim paid: ${words(p, row.approved_amount ?? 0)}${row.payment_reference ? `, payment ${row.payment_reference}` : ''}.`;
    default:
      return `Claim of ${words(p, row.amount)} received (${words(p, row.payer_amount)} on the cover, ${words(p, row.patient_amount)} the patient's); waiting for CEX.`;
  }
}

export function claimResponseOf(p: Presentation, row: ClaimRow): ClaimResponse {
  const total = [
    adjudication(p, hl7.adjudication, 'submitted', row.amount),
    adjudication(p, hl7.adjudication, 'benefit', row.payer_amount),
    ...(row.patient_amount > 0 ? [adjudication(p, codeSystems.adjudication, 'shortfall', row.patient_amount)] : []),
    ...(row.approved_amount !== null ? [adjudication(p, hl7.adjudication, 'eligible', row.approved_amount)] : []),
  ];
  return {
    resourceType: 'ClaimResponse',
    id: row.id,
    ...withMeta(tagged(p, claimStep(row.status))),
    ...identifierOf(row),
    status: 'active',
    type: category(hl7.claimType, 'institutional'),
    use: 'claim',
    patient: { reference: `Patient/${row.member_id}` },
    created: instant(row.verified_at ?? row.submitted_at),
    insurer: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    requestor: { reference: `Organization/${row.hospital_id}` },
    request: { reference: `Claim/${row.id}` },
    outcome: ['approved', 'denied', 'paid'].includes(row.status) ? 'complete' : 'queued',
    disposition: claimDisposition(p, row),
    ...(row.hold_id ? { preAuthRef: row.hold_id } : {}),
    item: row.lines.map((line, index) => ({ itemSequence: index + 1, adjudication: claimLineAdjudication(p, line) })),
    total: total.map((line): ClaimResponseTotal => ({ category: line.category, amount: line.amount! })),
    ...(row.status === 'paid' && row.payment_reference
      ? {
          payment: {
            type: category(hl7.exPaymentType, 'complete'),
            ...(row.payment_created_at ? { date: date(row.payment_created_at) } : {}),
            amount: moneyOf(row.approved_amount ?? 0, p.currency),
            identifier: { system: identifierSystems.payment, value: row.payment_reference },
          },
        }
      : {}),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${row.member_id}` } }],
  };
}

export interface PaymentRow {
  id: string;
  hospital_id: string;
  reference: string;
  amount: number;
  government_amount: number;
  insurer_amount: number;
  deductions: number;
  net_paid: number | null;
  created_at: string;
  claims: { claim_id: string; approved_amount: number }[];
}
export function paymentReconciliationOf(p: Presentation, row: PaymentRow): PaymentReconciliation {
  const net = row.net_paid ?? row.amount - row.deductions;
  return {
    resourceType: 'PaymentReconciliation',
    id: row.id,
    ...withMeta(tagged(p, 'settled')),
    identifier: [{ system: identifierSystems.payment, value: row.reference }],
    status: 'active',
    created: instant(row.created_at),
    paymentIssuer: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    outcome: 'complete',
    disposition: `Paid ${words(p, net)} for ${row.claims.length} claim(s) of ${words(p, row.amount)}${row.deductions > 0 ? ` less ${words(p, row.deductions)} deducted` : ''}: government ${words(p, row.government_amount)}, insurer ${words(p, row.insurer_amount)}.`,
    paymentDate: date(row.created_at),
    paymentAmount: moneyOf(net, p.currency),
    paymentIdentifier: { system: identifierSystems.payment, value: row.reference },
    detail: [
      ...row.claims.map((c) => ({
        type: category(hl7.paymentType, 'payment'),
        request: { reference: `Claim/${c.claim_id}` },
        response: { reference: `ClaimResponse/${c.claim_id}` },
        payee: { reference: `Organization/${row.hospital_id}` },
        date: date(row.created_at),
        amount: moneyOf(c.approved_amount, p.currency),
      })),
      ...(row.deductions > 0
        ? [
            {
              type: category(hl7.paymentType, 'adjustment'),
              payee: { reference: `Organization/${row.hospital_id}` },
              amount: moneyOf(-row.deductions, p.currency),
            },
          ]
        : []),
    ],
    processNote: [{ type: 'display', text: `Government share ${words(p, row.government_amount)}; insurer share ${words(p, row.insurer_amount)}.` }],
  };
}
