import { expect } from 'vitest';
import { r4Errors, type R4Issue } from '../fhir/r4-definitions';

/**
 * Every resource a FHIR answer holds: the answer itself and, for a Bundle, each entry's resource
 * and its search outcome, and the resources contained in any of them. The validator checks nested
 * resources too; they are checked one by one as well so a failure names the resource it is in.
 */
export function resourcesIn(resource: unknown): unknown[] {
  const found: unknown[] = [resource];
  if (typeof resource !== 'object' || resource === null) return found;
  const { entry, contained } = resource as { entry?: { resource?: unknown; response?: { outcome?: unknown } }[]; contained?: unknown[] };
  for (const item of entry ?? []) {
    if (item.resource !== undefined) found.push(...resourcesIn(item.resource));
    if (item.response?.outcome !== undefined) found.push(...resourcesIn(item.response.outcome));
  }
  for (const inner of contained ?? []) found.push(...resourcesIn(inner));
  return found;
}

/**
 * R4's rule for a resource id (the `id` type's regex, https://hl7.org/fhir/R4/datatypes.html#id).
 * The validator reads Resource.id as a plain string and does not apply it, so it is applied here.
 */
const r4Id = /^[A-Za-z0-9\-.]{1,64}$/;

/** The R4 errors of an answer and everything in it, each named by the resource it is in. */
export function r4ErrorsOf(resource: unknown): (R4Issue & { resource: string })[] {
  return resourcesIn(resource).flatMap((inner) => {
    const { resourceType, id } = (inner ?? {}) as { resourceType?: unknown; id?: unknown };
    const name = `${String(resourceType)}/${String(id ?? '-')}`;
    const idIssues: R4Issue[] =
      id !== undefined && (typeof id !== 'string' || !r4Id.test(id))
        ? [{ severity: 'error', path: `${String(resourceType)}.id`, message: 'An id is 1 to 64 letters, digits, - and .' }]
        : [];
    return [...r4Errors(inner), ...idIssues].map((issue) => ({ ...issue, resource: name }));
  });
}

/** Hold an answer of the server to the base R4 specification (r4-definitions.ts): no errors anywhere in it. */
export function expectValidR4<T>(resource: T): T {
  expect(r4ErrorsOf(resource), JSON.stringify(resource).slice(0, 2000)).toEqual([]);
  return resource;
}
