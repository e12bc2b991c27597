import { readFileSync } from 'node:fs';

/**
 * What a hospital system and CoverDesk agree on, in one place: the identifier systems of the
 * scheme's records and the exchange's workflow codes. The workflow codes follow the NHCX pattern
 * (a number per step of a claim's life, carried on the resources exchanged); a deployment whose
 * exchange numbers them differently sets COVERDESK_FHIR_WORKFLOW_CODES to a JSON file
 * `{"system": "...", "codes": {"preauth-requested": "12", ...}}` (missing steps keep the default).
 */
export const identifierSystems = {
  /** Scheme member id, e.g. PMJ-S1000001 (members.scheme_member_id). */
  member: 'urn:coverdesk:scheme-member-id',
  /** Scheme family number (families.family_number). */
  family: 'urn:coverdesk:family-number',
  /** Hospital code, e.g. HSP-A (hospitals.code). */
  hospital: 'urn:coverdesk:hospital-code',
  /** The scheme's id (schemes.id). */
  scheme: 'urn:coverdesk:scheme-id',
  /** Treatment package code (packages.code). */
  package: 'urn:coverdesk:package-code',
  /** A package's price version (package_prices.version). */
  packagePriceVersion: 'urn:coverdesk:package-price-version',
  /** The hold a pre-auth placed (holds.id): ClaimResponse.preAuthRef. */
  hold: 'urn:coverdesk:hold-id',
  /** A payment's reference (payments.reference). */
  payment: 'urn:coverdesk:payment-reference',
} as const;

/** Code systems of this server's own codes (refusal codes, adjudication categories R4 has no code for). */
export const codeSystems = {
  refusal: 'urn:coverdesk:refusal-code',
  adjudication: 'urn:coverdesk:adjudication',
  reason: 'urn:coverdesk:claim-reason-code',
  itemCode: 'urn:coverdesk:item-code',
} as const;

/** The steps of a case's life the exchange numbers. */
export const workflowSteps = [
  'preauth-requested',
  'enhancement-requested',
  'discharged',
  'claim-submitted',
  'approved',
  'rejected',
  'queried',
  'claim-processed',
  'settled',
] as const;
export type WorkflowStep = (typeof workflowSteps)[number];

export interface WorkflowCodes {
  readonly system: string;
  readonly codes: Readonly<Record<WorkflowStep, string>>;
}

/** NHCX-style numbers: pre-auth 12, enhancement 13, discharge 14, claim 15, approved 21, rejected 22, queried 24, claim processed 25, settled 33. */
export const defaultWorkflowCodes: WorkflowCodes = {
  system: 'urn:coverdesk:workflow-code',
  codes: {
    'preauth-requested': '12',
    'enhancement-requested': '13',
    discharged: '14',
    'claim-submitted': '15',
    approved: '21',
    rejected: '22',
    queried: '24',
    'claim-processed': '25',
    settled: '33',
  },
};

/** The workflow codes of this deployment: the defaults, with a configuration file's codes over them. */
export function loadWorkflowCodes(file = process.env.COVERDESK_FHIR_WORKFLOW_CODES): WorkflowCodes {
  if (!file) return defaultWorkflowCodes;
  const read = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof read !== 'object' || read === null) throw new Error(`${file}: expected {"system": "...", "codes": {...}}`);
  const { system, codes } = read as { system?: unknown; codes?: unknown };
  if (system !== undefined && typeof system !== 'string') throw new Error(`${file}: system must be a URI string`);
  const merged: Record<WorkflowStep, string> = { ...defaultWorkflowCodes.codes };
  for (const [step, code] of Object.entries((codes ?? {}) as Record<string, unknown>)) {
    if (!(workflowSteps as readonly string[]).includes(step)) throw new Error(`${file}: unknown workflow step ${step}; known: ${workflowSteps.join(', ')}`);
    if (typeof code !== 'string' || !/^[^\s]+$/.test(code)) throw new Error(`${file}: the code of ${step} must be a string without spaces`);
    merged[step as WorkflowStep] = code;
  }
  return { system: system ?? defaultWorkflowCodes.system, codes: merged };
}
