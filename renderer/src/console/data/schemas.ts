/**
 * RxDB schemas of the console's collections. Only the top-level fields are declared (nested views
 * are the documents' types); the parse boundary checks each pulled document's top-level fields
 * against them before RxDB stores it.
 */
import type { RxJsonSchema } from 'rxdb/plugins/core';
import type { ConsoleCase, ConsoleClaim, ConsoleCollectionName, ConsoleDocumentOf } from './documents';

type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'string|null' | 'number|null' | 'object|null';

const fieldsOf: { readonly [C in ConsoleCollectionName]: Readonly<Record<string, FieldType>> } = {
  cases: {
    id: 'string',
    caseId: 'string',
    status: 'string',
    isEmergency: 'boolean',
    identityMethod: 'string',
    admittedAt: 'string',
    dischargedAt: 'string|null',
    cancelledAt: 'string|null',
    hospitalCode: 'string',
    hospitalName: 'string',
    turnaroundMinutes: 'number',
    member: 'object',
    family: 'object',
    preauth: 'object|null',
    hold: 'object|null',
    enhancements: 'array',
    bookings: 'array',
    claim: 'object|null',
  } satisfies Record<keyof ConsoleCase, FieldType>,
  claims: {
    id: 'string',
    claimId: 'string',
    caseId: 'string',
    status: 'string',
    isEmergency: 'boolean',
    amount: 'number',
    payerAmount: 'number',
    patientAmount: 'number',
    approvedAmount: 'number|null',
    paymentId: 'string|null',
    submittedAt: 'string',
    processedAt: 'string|null',
    verifiedAt: 'string|null',
    hospitalId: 'string',
    hospitalCode: 'string',
    hospitalName: 'string',
    memberName: 'string',
    schemeMemberId: 'string',
    packageCode: 'string|null',
    preauthApproved: 'number|null',
    lines: 'array',
    documents: 'array',
    paymentReference: 'string|null',
  } satisfies Record<keyof ConsoleClaim, FieldType>,
};

function jsonType(type: FieldType): string | string[] {
  return type.includes('|') ? type.split('|') : type;
}

function schemaFor<C extends ConsoleCollectionName>(collection: C): RxJsonSchema<ConsoleDocumentOf[C]> {
  const fields = fieldsOf[collection];
  return {
    title: `console ${collection}`,
    version: 0,
    primaryKey: 'id',
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(fields).map(([name, type]) => [name, name === 'id' ? { type: 'string', maxLength: 64 } : { type: jsonType(type) }]),
    ),
    required: Object.keys(fields),
  } as unknown as RxJsonSchema<ConsoleDocumentOf[C]>;
}

export const consoleSchemaOf = { cases: schemaFor('cases'), claims: schemaFor('claims') };

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Why a pulled document does not fit its collection (a field name and what it is), or null when it fits. */
export function consoleDocumentProblem(collection: ConsoleCollectionName, document: unknown): string | null {
  if (typeof document !== 'object' || document === null) return 'the record is not an object';
  for (const [name, type] of Object.entries(fieldsOf[collection])) {
    const actual = typeOf((document as Record<string, unknown>)[name]);
    if (!type.split('|').includes(actual)) return `field ${name} is ${actual === 'undefined' ? 'missing' : actual}, expected ${type}`;
  }
  return null;
}
