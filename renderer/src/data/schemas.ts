/**
 * RxDB schemas of the read model. Written once and used twice: RxDB stores by them, and
 * `conformsTo` checks every pulled document against their top-level types before RxDB sees it
 * (the replication's parse boundary; the production bundle carries no JSON-schema validator, which
 * would compile code with `new Function` and break the Content Security Policy).
 *
 * Nested objects are declared but not spelled out: they are read-model views the backend builds
 * from the same contract types, and RxDB never queries inside them.
 */
import type { JsonSchemaTypes, RxJsonSchema } from 'rxdb/plugins/core';
import { isRecord } from '../desk-client/wire-messages';
import type { BookingDocument, CaseDocument, DocumentOf, FamilyDocument, PackageDocument } from './documents';

const id = { type: 'string', maxLength: 128 } as const;
const text = { type: 'string' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const amount = { type: 'integer', minimum: 0 } as const;
const nullableAmount = { type: ['integer', 'null'], minimum: 0 } as const;
const flag = { type: 'boolean' } as const;
const object = { type: 'object' } as const;
const list = { type: 'array' } as const;

export const familySchema: RxJsonSchema<FamilyDocument> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id,
    familyId: text,
    familyNumber: text,
    district: text,
    registeredPhoneEnding: text,
    balance: object,
    pendingAmount: amount,
    members: list,
    activeCases: list,
  },
  required: ['id', 'familyId', 'familyNumber', 'balance', 'pendingAmount', 'members', 'activeCases'],
};

export const caseSchema: RxJsonSchema<CaseDocument> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id,
    caseId: text,
    memberName: text,
    schemeMemberId: text,
    status: text,
    preauthStatus: text,
    packageCode: nullableText,
    holdAmount: nullableAmount,
    bookingSum: amount,
    admittedAt: text,
    hasPendingChanges: flag,
  },
  required: ['id', 'caseId', 'memberName', 'schemeMemberId', 'status', 'preauthStatus', 'bookingSum', 'admittedAt', 'hasPendingChanges'],
};

export const bookingSchema: RxJsonSchema<BookingDocument> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id,
    bookingId: text,
    caseId: text,
    itemCode: text,
    description: text,
    quantity: { type: 'integer', minimum: 1 },
    unitPrice: amount,
    amount,
    coveredAmount: nullableAmount,
    shortfallAmount: nullableAmount,
    status: text,
    isVoided: flag,
    reason: nullableText,
    createdAt: text,
  },
  required: ['id', 'bookingId', 'caseId', 'itemCode', 'quantity', 'unitPrice', 'amount', 'status', 'isVoided', 'createdAt'],
};

export const packageSchema: RxJsonSchema<PackageDocument> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id,
    code: text,
    name: text,
    specialty: text,
    isUnspecified: flag,
    price: amount,
    version: { type: 'integer', minimum: 0 },
  },
  required: ['id', 'code', 'name', 'specialty', 'isUnspecified', 'price', 'version'],
};

export const schemaOf: { readonly [C in keyof DocumentOf]: RxJsonSchema<DocumentOf[C]> } = {
  families: familySchema,
  cases: caseSchema,
  bookings: bookingSchema,
  packages: packageSchema,
};

/** The part of an RxJsonSchema the boundary check reads. */
interface SchemaShape {
  readonly required?: readonly string[];
  readonly properties: Readonly<Record<string, { readonly type?: JsonSchemaTypes | readonly JsonSchemaTypes[]; readonly minimum?: number }>>;
}

function hasType(value: unknown, type: JsonSchemaTypes): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}

/**
 * Why a pulled document does not fit its schema (first problem found, naming the field, never its
 * value: it may be a patient's name), or null when it fits.
 */
export function schemaProblem(schema: SchemaShape, value: unknown): string | null {
  if (!isRecord(value)) return 'not an object';
  const fields = value;
  for (const field of schema.required ?? []) {
    if (fields[field] === undefined) return `missing ${field}`;
  }
  for (const [field, property] of Object.entries(schema.properties)) {
    const fieldValue = fields[field];
    if (fieldValue === undefined || property.type === undefined) continue;
    const types: readonly JsonSchemaTypes[] = typeof property.type === 'string' ? [property.type] : property.type;
    if (!types.some((type) => hasType(fieldValue, type))) return `${field} is not ${types.join(' or ')}`;
    if (property.minimum !== undefined && typeof fieldValue === 'number' && fieldValue < property.minimum) return `${field} is below ${property.minimum}`;
  }
  return null;
}

export function conformsTo<C extends keyof DocumentOf>(collection: C, value: unknown): value is DocumentOf[C] {
  return schemaProblem(schemaOf[collection], value) === null;
}
