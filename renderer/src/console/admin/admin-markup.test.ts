import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { markupOf, textOf, unlabelledControls } from '../../testing/markup';
import {
  changedParameters,
  changedServiceLevels,
  percentToBasisPoints,
  type AdminHospital,
  type AdminOperator,
  type AdminPackage,
  type AdminScheme,
} from './admin-data';
import { DashboardView, HospitalsView, NewOperatorForm, OperatorsView, PackagesView, SchemeView } from './AdminViews';

const scheme = { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 };
const never = () => Promise.resolve({ ok: true as const, value: { code: 'X', expiresAt: '2026-11-24T00:00:00.000Z' } });

const hospitals: AdminHospital[] = [
  {
    id: 'ha',
    code: 'HSP-A',
    name: 'City General Hospital',
    district: 'Pune',
    desks: [
      { id: 'da', name: 'Admission desk A', status: 'active', enrolledAt: '2026-11-23T08:00:00.000Z', registryDistrict: 'Pune', pendingCodeExpiresAt: null },
    ],
  },
  {
    id: 'hb',
    code: 'HSP-B',
    name: 'District Hospital Satara',
    district: 'Satara',
    desks: [{ id: 'db', name: 'Admission desk B', status: 'revoked', enrolledAt: null, registryDistrict: 'Satara', pendingCodeExpiresAt: null }],
  },
];

describe('HA workspaces', () => {
  it('dashboard: cases, holds and claims by state', () => {
    const text = textOf(
      markupOf(
        createElement(DashboardView, {
          figures: {
            cases: [{ status: 'admitted', count: 2 }],
            holds: [{ status: 'active', count: 2, amount: 1_000_000 }],
            claims: [],
            computedAt: '2026-11-23T12:00:00.000Z',
          },
          scheme,
        }),
      ),
    );
    expect(text).toContain('Cases by state State Count Admitted 2');
    expect(text).toContain('Holds by state State Count Amount Active 2 ₹10,000.00');
    expect(text).toContain('Claims by state (approved amount once decided) State Count Amount None yet.');
  });

  it('hospitals: desks with status, a code button, and a labelled reason to revoke only active desks', () => {
    const html = markupOf(createElement(HospitalsView, { hospitals, onIssueCode: never, onRevoke: never, onRegisterHospital: never, onRegisterDesk: never }));
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('Admission desk A Active');
    expect(text).toContain('Admission desk B Revoked');
    expect(text).toContain('Reason to revoke Admission desk A');
    expect(text).not.toContain('Reason to revoke Admission desk B');
    expect(html.match(/Issue an enrollment code/g)).toHaveLength(2);
    expect(text).toContain('New desk at HSP-A');
    expect(text).toContain('Add a hospital Hospital code Hospital name District');
  });

  it('operators: roles, scope and status; editing is per operator', () => {
    const operators: AdminOperator[] = [
      { id: 'o1', username: 'cex', displayName: 'Claims executive', roles: ['CEX'], hospitalId: null, hospitalCode: null, isActive: true },
      { id: 'o2', username: 'medco.a', displayName: 'Desk A operator', roles: ['MEDCO'], hospitalId: 'ha', hospitalCode: 'HSP-A', isActive: false },
    ];
    const text = textOf(markupOf(createElement(OperatorsView, { operators, hospitals, onUpdate: never })));
    expect(text).toContain('Claims executive cex CEX All (payer side) Active Change cex');
    expect(text).toContain('Desk A operator medco.a MEDCO HSP-A Deactivated');
  });

  it('new operator: every field labelled, roles as named checkboxes, hospital optional', () => {
    const html = markupOf(createElement(NewOperatorForm, { hospitals, onCreate: () => Promise.resolve({ ok: true as const, value: {} }) }));
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('Username Display name First password At least 10 characters');
    expect(text).toContain('Roles MEDCO PPD MC ADMIN CEX CPD ACO HA');
    expect(text).toContain('Hospital All (payer side) HSP-A HSP-B');
    expect(html).toMatch(/<input[^>]*type="password" autoComplete="new-password"/);
  });

  it('packages: current price with version, earlier versions, and a labelled new-price form', () => {
    const packages: AdminPackage[] = [
      {
        code: 'MG012A',
        name: 'Acute gastroenteritis',
        specialty: 'General medicine',
        isUnspecified: false,
        versions: [
          { version: 2, price: 650_000, effectiveFrom: '2026-11-23T12:00:00.000Z' },
          { version: 1, price: 600_000, effectiveFrom: '2026-01-01T00:00:00.000Z' },
        ],
      },
    ];
    const html = markupOf(createElement(PackagesView, { packages, scheme, onSetPrice: () => new Promise<never>(() => undefined) }));
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('MG012A · Acute gastroenteritis General medicine ₹6,500.00 v2 v1 ₹6,000.00');
    expect(text).toContain('New price (₹)');
  });

  it('scheme parameters: every field labelled with its current value; only changes are sent', () => {
    const current: AdminScheme = {
      id: 'S',
      name: 'Demo scheme',
      policyYear: 2026,
      currency: 'INR',
      locale: 'en-IN',
      minorPerUnit: 100,
      governmentShareBp: 6000,
      shortfallPolicy: 'partial-hold',
      autoExtendBp: 1000,
      preauthTurnaroundMinutes: 360,
      serviceLevels: {
        'preauth-decision': 360,
        committee: 1440,
        'admin-approval': 1440,
        enhancement: 360,
        'claim-processing': 10080,
        'claim-verification': 10080,
        payment: 21600,
      },
    };
    const html = markupOf(createElement(SchemeView, { scheme: current, onSave: () => Promise.resolve({ ok: true as const, value: {} }) }));
    expect(unlabelledControls(html)).toEqual([]);
    expect(html).toMatch(/value="60"/);
    expect(html).toMatch(/value="360"/);
    expect(textOf(html)).toContain('Now 60%.');
    expect(changedParameters(current, { ...current, governmentShareBp: 7500 })).toEqual({ governmentShareBp: 7500 });
    expect(changedParameters(current, current)).toEqual({});
    // Service levels of the stages after the pre-auth decision (issue 15): each labelled, with its value.
    expect(textOf(html)).toContain('Medical Committee (minutes)');
    expect(html).toMatch(/value="21600"/);
    expect(changedServiceLevels(current.serviceLevels, { ...current.serviceLevels, payment: 20_160 })).toEqual({ payment: 20_160 });
    expect(changedServiceLevels(current.serviceLevels, current.serviceLevels)).toBeUndefined();
    expect(percentToBasisPoints('60')).toBe(6000);
    expect(percentToBasisPoints('12.5%')).toBe(1250);
    expect(percentToBasisPoints('101')).toBeNull();
    expect(percentToBasisPoints('6o')).toBeNull();
  });
});
