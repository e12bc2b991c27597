/** Branded ids: a CaseId cannot be passed where a FamilyId is expected. All are UUID strings. */
type Brand<T, B extends string> = T & { readonly __brand: B };

export type FamilyId = Brand<string, 'FamilyId'>;
export type MemberId = Brand<string, 'MemberId'>;
export type CaseId = Brand<string, 'CaseId'>;
export type HoldId = Brand<string, 'HoldId'>;
export type BookingId = Brand<string, 'BookingId'>;
export type ClaimId = Brand<string, 'ClaimId'>;
export type PaymentId = Brand<string, 'PaymentId'>;
export type HospitalId = Brand<string, 'HospitalId'>;
export type DeskId = Brand<string, 'DeskId'>;
export type OperatorId = Brand<string, 'OperatorId'>;
export type CommandId = Brand<string, 'CommandId'>;

export const roles = ['MEDCO', 'PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'] as const;
export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
