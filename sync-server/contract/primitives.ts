/**
 * The building blocks every answer schema in the contract uses: one definition each, so an id, a
 * time or an amount is described the same way in every read, result, feed and sync document.
 */
import { Type, type TSchema } from 'typebox';

/** Answers are closed objects: a field more or less is a different answer. */
export const closed = { additionalProperties: false } as const;
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Id = Type.String({ description: 'UUID' });
export const Time = Type.String({ format: 'date-time' });
export const Minor = Type.Integer({ description: 'Minor currency units' });
export const Count = Type.Integer({ minimum: 0 });
