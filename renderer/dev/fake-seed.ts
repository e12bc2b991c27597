/**
 * The fake backend's world: the S1 seed family and the demo scheme, with the same ids, numbers and
 * names as the server's demo seed (sync-server/src/demo/seed.ts), so a screen looks the same
 * against the fake and against `npm start`.
 */
import type { SchemeInfo } from '@desk-api/contract';

export const fakeScheme: SchemeInfo = {
  name: 'Family Health Scheme (demo)',
  currency: 'INR',
  locale: 'en-IN',
  minorPerUnit: 100,
  preauthTurnaroundMinutes: 360,
};

export const fakePassword = 'coverdesk-demo';

export interface FakeHospital {
  readonly hospitalId: string;
  readonly code: 'HSP-A' | 'HSP-B';
  readonly name: string;
  readonly deskId: string;
}

export const fakeHospitals: readonly FakeHospital[] = [
  { hospitalId: '00000000-0000-4000-8000-00000000a001', code: 'HSP-A', name: 'City General Hospital', deskId: '00000000-0000-4000-8000-00000000a0d1' },
  { hospitalId: '00000000-0000-4000-8000-00000000b001', code: 'HSP-B', name: 'District Hospital Satara', deskId: '00000000-0000-4000-8000-00000000b0d1' },
];

export interface FakeOperator {
  readonly operatorId: string;
  readonly username: string;
  readonly displayName: string;
  readonly roles: readonly string[];
  readonly hospitalCode: FakeHospital['code'] | null;
}

export const fakeOperators: readonly FakeOperator[] = [
  { operatorId: '00000000-0000-4000-8000-000000000e00', username: 'medco.a', displayName: 'Desk A operator', roles: ['MEDCO'], hospitalCode: 'HSP-A' },
  { operatorId: '00000000-0000-4000-8000-000000000e01', username: 'medco.b', displayName: 'Desk B operator', roles: ['MEDCO'], hospitalCode: 'HSP-B' },
  { operatorId: '00000000-0000-4000-8000-000000000e02', username: 'ppd', displayName: 'Pre-auth reviewer', roles: ['PPD'], hospitalCode: null },
];

export interface FakeMember {
  readonly memberId: string;
  readonly familyId: string;
  readonly schemeMemberId: string;
  readonly fullName: string;
  readonly birthYear: number;
  readonly gender: 'M' | 'F';
  readonly relation: string;
  readonly nationalId: string;
  readonly healthCardNumber: string;
}

export interface FakeFamily {
  readonly familyId: string;
  readonly familyNumber: string;
  readonly district: string;
  readonly registeredPhone: string;
  /** Minor units for the policy year. */
  readonly cover: number;
}

export const seedFamilyId = '00000000-0000-4000-8000-0000000f0001';
export const seedMemberIds = {
  father: '00000000-0000-4000-8000-0000000f0011',
  mother: '00000000-0000-4000-8000-0000000f0012',
  son: '00000000-0000-4000-8000-0000000f0013',
  daughter: '00000000-0000-4000-8000-0000000f0014',
} as const;

export const fakeFamilies: readonly FakeFamily[] = [
  // S1: one floater cover of ₹10,000 for the four of them.
  { familyId: seedFamilyId, familyNumber: 'FAM-S1-0001', district: 'Pune', registeredPhone: '+919800000001', cover: 1_000_000 },
  { familyId: '00000000-0000-4000-8000-000000100001', familyNumber: 'FAM-000001', district: 'Pune', registeredPhone: '+919810000001', cover: 50_000_000 },
  { familyId: '00000000-0000-4000-8000-000000100002', familyNumber: 'FAM-000002', district: 'Satara', registeredPhone: '+919810000002', cover: 50_000_000 },
];

export const fakeMembers: readonly FakeMember[] = [
  {
    memberId: seedMemberIds.father,
    familyId: seedFamilyId,
    schemeMemberId: 'PMJ-S1000001',
    fullName: 'Ramesh Patil',
    birthYear: 1978,
    gender: 'M',
    relation: 'head',
    nationalId: '100000000001',
    healthCardNumber: 'HC-S1-0001',
  },
  {
    memberId: seedMemberIds.mother,
    familyId: seedFamilyId,
    schemeMemberId: 'PMJ-S1000002',
    fullName: 'Sunita Patil',
    birthYear: 1982,
    gender: 'F',
    relation: 'spouse',
    nationalId: '100000000002',
    healthCardNumber: 'HC-S1-0002',
  },
  {
    memberId: seedMemberIds.son,
    familyId: seedFamilyId,
    schemeMemberId: 'PMJ-S1000003',
    fullName: 'Arjun Patil',
    birthYear: 2008,
    gender: 'M',
    relation: 'son',
    nationalId: '100000000003',
    healthCardNumber: 'HC-S1-0003',
  },
  {
    memberId: seedMemberIds.daughter,
    familyId: seedFamilyId,
    schemeMemberId: 'PMJ-S1000004',
    fullName: 'Priya Patil',
    birthYear: 2012,
    gender: 'F',
    relation: 'daughter',
    nationalId: '100000000004',
    healthCardNumber: 'HC-S1-0004',
  },
  {
    memberId: '00000000-0000-4000-8000-000000200010',
    familyId: '00000000-0000-4000-8000-000000100001',
    schemeMemberId: 'PMJ-0000000A',
    fullName: 'Mahesh Jadhav',
    birthYear: 1961,
    gender: 'M',
    relation: 'head',
    nationalId: '200000000010',
    healthCardNumber: 'HC-00000010',
  },
  {
    memberId: '00000000-0000-4000-8000-000000200011',
    familyId: '00000000-0000-4000-8000-000000100001',
    schemeMemberId: 'PMJ-0000000B',
    fullName: 'Lakshmi Jadhav',
    birthYear: 1965,
    gender: 'F',
    relation: 'spouse',
    nationalId: '200000000011',
    healthCardNumber: 'HC-00000011',
  },
  {
    memberId: '00000000-0000-4000-8000-000000200020',
    familyId: '00000000-0000-4000-8000-000000100002',
    schemeMemberId: 'PMJ-0000000K',
    fullName: 'Ramesh Pawar',
    birthYear: 1978,
    gender: 'M',
    relation: 'head',
    nationalId: '200000000020',
    healthCardNumber: 'HC-00000020',
  },
  {
    memberId: '00000000-0000-4000-8000-000000200021',
    familyId: '00000000-0000-4000-8000-000000100002',
    schemeMemberId: 'PMJ-0000000L',
    fullName: 'Kavita Pawar',
    birthYear: 1983,
    gender: 'F',
    relation: 'spouse',
    nationalId: '200000000021',
    healthCardNumber: 'HC-00000021',
  },
];

export interface FakePackage {
  readonly code: string;
  readonly specialty: string;
  readonly name: string;
  /** Minor units. An unspecified code has no price: the committee recommends one per case. */
  readonly price: number;
  readonly isUnspecified: boolean;
}

export const fakePackages: readonly FakePackage[] = [
  { code: 'MG001A', specialty: 'General Medicine', name: 'Acute febrile illness, ward (up to 5 days)', price: 900_000, isUnspecified: false },
  { code: 'MG006A', specialty: 'General Medicine', name: 'Dengue fever, moderate, ward', price: 500_000, isUnspecified: false },
  { code: 'MG012A', specialty: 'General Medicine', name: 'Acute gastroenteritis with severe dehydration', price: 600_000, isUnspecified: false },
  { code: 'MG026A', specialty: 'General Medicine', name: 'Community-acquired pneumonia, ward', price: 1_450_000, isUnspecified: false },
  { code: 'SG039A', specialty: 'General Surgery', name: 'Laparoscopic cholecystectomy', price: 2_280_000, isUnspecified: false },
  { code: 'SG049A', specialty: 'General Surgery', name: 'Appendicectomy, open', price: 1_500_000, isUnspecified: false },
  { code: 'SB001A', specialty: 'Orthopaedics', name: 'Closed reduction and casting, long bone fracture', price: 750_000, isUnspecified: false },
  { code: 'MO001A', specialty: 'Obstetrics', name: 'Normal vaginal delivery', price: 900_000, isUnspecified: false },
  { code: 'SE007A', specialty: 'Ophthalmology', name: 'Cataract surgery (SICS) with rigid IOL', price: 800_000, isUnspecified: false },
  { code: 'MC011A', specialty: 'Cardiology', name: 'Coronary angiography', price: 950_000, isUnspecified: false },
  { code: 'SG999U', specialty: 'General Surgery', name: 'General Surgery: unspecified procedure (committee decides)', price: 100, isUnspecified: true },
];

/** Services and items a desk books during a stay, for the booking form's search. */
export const fakeBookableItems: readonly { readonly itemCode: string; readonly description: string; readonly unitPrice: number }[] = [
  { itemCode: 'WARD-DAY', description: 'General ward bed, per day', unitPrice: 50_000 },
  { itemCode: 'ICU-DAY', description: 'ICU bed, per day', unitPrice: 250_000 },
  { itemCode: 'IV-FLUIDS', description: 'IV fluids, Ringer lactate 500 ml', unitPrice: 8_000 },
  { itemCode: 'LAB-CBC', description: 'Complete blood count', unitPrice: 30_000 },
  { itemCode: 'LAB-NS1', description: 'Dengue NS1 antigen test', unitPrice: 60_000 },
  { itemCode: 'CONSULT', description: 'Specialist consultation', unitPrice: 50_000 },
  { itemCode: 'DRUGS', description: 'Drugs and consumables', unitPrice: 100 },
];
