import { createHash } from 'node:crypto';
import type { Claim, CoverageEligibilityRequest, Reference } from '@medplum/fhirtypes';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Sql } from '../db/database';
import { identifierSystems } from './config';
import { minorOf, type Currency } from './money';

/**
 * What CoverDesk reads from a FHIR Claim or CoverageEligibilityRequest, after the R4 validator has
 * accepted its structure: each field this server acts on, checked with a sentence naming it.
 * Everything else R4 allows in a Claim is accepted and not acted on.
 */
const uuid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const isUuid = (value: string): boolean => uuid.test(value);

/** A UUID derived from names (SHA-256, version 8 layout): the same names always give the same id. */
export function derivedUuid(...names: string[]): string {
  const hex = createHash('sha256').update(names.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `Patient/123`, or a full URL ending in it: the id when the reference names that type, else null. */
export function referencedId(reference: Reference | undefined, type: string): string | null {
  const match = reference?.reference?.match(/(?:^|\/)([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/);
  return match && match[1] === type ? match[2]! : null;
}

/** The member a reference names: `Patient/<member id>` or an identifier of the scheme's member-id system. */
export async function memberOfReference(
  sql: Pick<Sql, 'query'>,
  reference: Reference | undefined,
  where: string,
): Promise<{ id: string; scheme_member_id: string }> {
  const byId = referencedId(reference, 'Patient');
  const identifier = reference?.identifier;
  if (byId === null && !(identifier?.system === identifierSystems.member && identifier.value)) {
    throw fail('invalid-input', `${where} must be Patient/<member id> or an identifier of system ${identifierSystems.member}.`);
  }
  const [member] =
    byId !== null
      ? isUuid(byId)
        ? await sql.query<{ id: string; scheme_member_id: string }>('SELECT id, scheme_member_id FROM members WHERE id = $1', [byId])
        : []
      : await sql.query<{ id: string; scheme_member_id: string }>('SELECT id, scheme_member_id FROM members WHERE scheme_member_id = $1', [
          identifier!.value ?? '',
        ]);
  if (!member) throw fail('not-found', `${where} names no scheme member.`);
  return member;
}

/** The claim's identifier, which is its command id: the same identifier from the same system always names the same claim. */
export function commandIdOf(principal: Principal, claim: { identifier?: Claim['identifier'] }): { commandId: string; system: string | null; value: string } {
  const identifier = claim.identifier?.find((i) => i.value);
  if (!identifier?.value)
    throw fail('invalid-input', "Claim.identifier needs a value (with its system): it is the claim's idempotency key; send the same one when you retry.");
  if (identifier.value.length > 200) throw fail('invalid-input', 'Claim.identifier.value is longer than 200 characters.');
  return {
    commandId: derivedUuid('coverdesk fhir claim', principal.operatorId, identifier.system ?? '', identifier.value),
    system: identifier.system ?? null,
    value: identifier.value,
  };
}

/** The provider must be the caller's own hospital: a hospital system submits for its hospital only, like a desk. */
export async function requireOwnProvider(sql: Pick<Sql, 'query'>, principal: Principal, provider: Reference | undefined): Promise<void> {
  if (principal.hospitalId === null) throw fail('forbidden-role', 'Only a hospital (a desk operator or a hospital system) submits claims.');
  const byId = referencedId(provider, 'Organization');
  const code = provider?.identifier?.system === identifierSystems.hospital ? provider.identifier.value : undefined;
  if (byId === null && code === undefined)
    throw fail('invalid-input', `Claim.provider must be Organization/<hospital id> or an identifier of system ${identifierSystems.hospital}.`);
  const [own] = await sql.query<{ id: string; code: string }>('SELECT id, code FROM hospitals WHERE id = $1', [principal.hospitalId]);
  if (!own || (byId !== null ? byId !== own.id : code !== own.code)) {
    throw fail('forbidden-role', `Claim.provider is not your hospital (${own?.code ?? '?'}): a hospital system submits for its own hospital only.`);
  }
}

export interface PreauthInput {
  readonly memberRef: Reference;
  readonly packageCode: string;
  /** The amount asked for on the item (net, else unit price), if any. */
  readonly amount: number | null;
  readonly isEmergency: boolean;
  readonly clinicalNote: string | null;
}

const codeOf = (item: NonNullable<Claim['item']>[number]): string | undefined =>
  item.productOrService.coding?.find((c) => c.system === identifierSystems.package)?.code ?? item.productOrService.coding?.[0]?.code;

export function preauthInput(claim: Claim, currency: Currency): PreauthInput {
  const reserve = claim.fundsReserve?.coding?.[0]?.code;
  if (reserve !== undefined && reserve !== 'patient') {
    throw fail(
      'invalid-input',
      `Claim.fundsReserve is ${reserve}: a CoverDesk pre-authorization always reserves funds on the patient's family cover (patient), or leave it out.`,
    );
  }
  if (claim.item?.length !== 1)
    throw fail(
      'invalid-input',
      'A pre-authorization Claim has exactly one item: the treatment package (productOrService coded in ' + identifierSystems.package + ').',
    );
  const [item] = claim.item;
  const packageCode = codeOf(item!);
  if (!packageCode || packageCode.length > 32) throw fail('invalid-input', 'Claim.item[0].productOrService needs a package code of at most 32 characters.');
  const price = item!.net ?? item!.unitPrice;
  const note = claim.supportingInfo?.find((info) => typeof info.valueString === 'string')?.valueString ?? null;
  if (note !== null && note.length > 2000) throw fail('invalid-input', 'The clinical note (Claim.supportingInfo.valueString) is longer than 2,000 characters.');
  return {
    memberRef: claim.patient,
    packageCode,
    amount: price ? minorOf(price, currency, 'Claim.item[0].net') : null,
    isEmergency: claim.priority?.coding?.some((c) => c.code === 'stat') ?? false,
    clinicalNote: note,
  };
}

/** The pre-auth a Claim names (its hold, or the pre-auth Claim it relates to), when it names one. */
export function namedPreauthOf(claim: Claim): { holdId: string | null; relatedCaseId: string | null } {
  const insurance = claim.insurance.find((i) => i.focal) ?? claim.insurance[0];
  return {
    holdId: insurance?.preAuthRef?.[0] ?? null,
    relatedCaseId: claim.related?.map((r) => referencedId(r.claim, 'Claim')).find((id) => id !== null) ?? null,
  };
}

/**
 * A pre-authorization Claim that names an existing pre-auth is an enhancement request (NHCX 13):
 * more money for the same case, decided by PPD as the native request-enhancement is.
 */
export const isEnhancementClaim = (claim: Claim): boolean => {
  const named = namedPreauthOf(claim);
  return claim.use === 'preauthorization' && (named.holdId !== null || named.relatedCaseId !== null);
};

export interface EnhancementInput {
  readonly holdId: string | null;
  readonly relatedCaseId: string | null;
  /** The additional amount asked for (item[0].net, else its unitPrice). */
  readonly amount: number;
  readonly reason: string;
}

export function enhancementInput(claim: Claim, currency: Currency): EnhancementInput {
  const reserve = claim.fundsReserve?.coding?.[0]?.code;
  if (reserve !== undefined && reserve !== 'patient') {
    throw fail('invalid-input', `Claim.fundsReserve is ${reserve}: an enhancement reserves more on the patient's family cover (patient), or leave it out.`);
  }
  if (claim.item?.length !== 1)
    throw fail('invalid-input', 'An enhancement Claim has exactly one item: the additional amount asked for, in Claim.item[0].net.');
  const [item] = claim.item;
  const price = item!.net ?? item!.unitPrice;
  if (!price) throw fail('invalid-input', 'Claim.item[0].net is the additional amount the enhancement asks for; it is required.');
  const amount = minorOf(price, currency, 'Claim.item[0].net');
  if (claim.total && minorOf(claim.total, currency, 'Claim.total') !== amount)
    throw fail(
      'invalid-input',
      `Claim.total (${claim.total.value}) is not the amount asked for in Claim.item[0].net (${price.value}); send one amount, or leave total out.`,
    );
  const reason = claim.supportingInfo?.find((info) => typeof info.valueString === 'string')?.valueString?.trim() ?? '';
  if (reason.length === 0) throw fail('invalid-input', 'Say why more is needed in Claim.supportingInfo.valueString: PPD decides on it.');
  if (reason.length > 2000) throw fail('invalid-input', 'The reason (Claim.supportingInfo.valueString) is longer than 2,000 characters.');
  return { ...namedPreauthOf(claim), amount, reason };
}

export interface ClaimItemInput {
  readonly itemCode: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: number;
}
export interface ClaimInput {
  readonly holdId: string | null;
  readonly relatedCaseId: string | null;
  readonly amount: number;
  readonly items: readonly ClaimItemInput[];
}

export function claimInput(claim: Claim, currency: Currency): ClaimInput {
  const { holdId, relatedCaseId } = namedPreauthOf(claim);
  if (holdId === null && relatedCaseId === null)
    throw fail(
      'invalid-input',
      'A claim names its pre-authorization: Claim.insurance.preAuthRef (the ClaimResponse.preAuthRef you were given) or Claim.related.claim (Claim/<pre-auth id>).',
    );
  if (!claim.total) throw fail('invalid-input', 'Claim.total is the amount claimed; it must equal the sum of the bookings (the items).');
  if ((claim.item?.length ?? 0) > 500) throw fail('invalid-input', 'A claim has at most 500 items.');
  const items = (claim.item ?? []).map((item, index) => {
    const where = `Claim.item[${index}]`;
    const itemCode = item.productOrService.coding?.[0]?.code;
    if (!itemCode || itemCode.length > 32) throw fail('invalid-input', `${where}.productOrService needs a code of at most 32 characters.`);
    const description = (item.productOrService.text ?? item.productOrService.coding?.[0]?.display ?? itemCode).slice(0, 200);
    const quantity = item.quantity?.value ?? 1;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 10_000)
      throw fail('invalid-input', `${where}.quantity must be a whole number from 1 to 10,000.`);
    if (!item.unitPrice) throw fail('invalid-input', `${where}.unitPrice is required: each item is a booking at its price.`);
    const unitPrice = minorOf(item.unitPrice, currency, `${where}.unitPrice`);
    if (item.net && minorOf(item.net, currency, `${where}.net`) !== quantity * unitPrice) {
      throw fail('invalid-input', `${where}.net (${item.net.value}) is not quantity × unitPrice (${(quantity * unitPrice) / currency.minorPerUnit}).`);
    }
    return { itemCode, description, quantity, unitPrice };
  });
  return { holdId, relatedCaseId, amount: minorOf(claim.total, currency, 'Claim.total'), items };
}

export function eligibilityPatient(request: CoverageEligibilityRequest): Reference {
  return request.patient;
}
