/**
 * Family changes (issue 16, docs/family-changes.md): the registrations of newborns and spouses a
 * desk sent and the enrolment role decides (`GET /family-changes`), each with its supporting
 * document (opened through the audited `GET /documents/:documentId`).
 */
import { Type, type Static } from 'typebox';
import { documentMediaTypes } from '../domain/documents';
import { familyChangeKinds, familyChangeStatuses, familyDocumentKinds } from '../domain/family-changes';
import { closed, Count, Id, Nullable, Time } from './primitives';

const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });

export const FamilyChange = Type.Object(
  {
    changeId: Id,
    familyId: Id,
    familyNumber: Type.String(),
    kind: Type.Enum([...familyChangeKinds]),
    memberId: Id,
    fullName: Type.String(),
    gender: Type.Enum(['F', 'M', 'X']),
    birthDate: Day,
    relation: Type.Enum(['son', 'daughter', 'spouse', 'other']),
    status: Type.Enum([...familyChangeStatuses]),
    hospitalCode: Type.String({ description: 'The hospital whose desk registered it' }),
    requestedAt: Time,
    document: Type.Object(
      { documentId: Id, kind: Type.Enum([...familyDocumentKinds]), name: Type.String(), mediaType: Type.Enum([...documentMediaTypes]), sizeBytes: Count },
      closed,
    ),
    /** The pending-enrolment admission (an emergency case), if the desk made one. */
    pendingCaseId: Nullable(Id),
    decidedAt: Nullable(Time),
    decisionReason: Nullable(Type.String()),
    effectiveDate: Nullable(Day),
    schemeMemberId: Nullable(Type.String()),
  },
  closed,
);
export type FamilyChangeValue = Static<typeof FamilyChange>;

export const FamilyChangeList = Type.Object({ items: Type.Array(FamilyChange) }, closed);
export type FamilyChangeListValue = Static<typeof FamilyChangeList>;

export const FamilyChangeListQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...familyChangeStatuses])),
    familyId: Type.Optional(Type.String({ format: 'uuid', pattern: '^[0-9a-fA-F-]{36}$' })),
  },
  closed,
);
export type FamilyChangeListQueryValue = Static<typeof FamilyChangeListQuery>;
