import { createHmac } from 'node:crypto';
import type { Database, Sql } from '../db/database';
import { hashPassword } from '../auth/passwords';
import { demoCatalogue, emergencyPackages, unspecifiedPackages } from './catalogue';
import { policyYearOf } from '@domain/policy-year';

/** Stable ids so the demo, the docs and the tests can name the seed family and hospitals. */
export const demoIds = {
  schemeId: 'PMJ-DEMO-2026',
  hospitalA: '00000000-0000-4000-8000-00000000a001',
  hospitalB: '00000000-0000-4000-8000-00000000b001',
  deskA: '00000000-0000-4000-8000-00000000a0d1',
  deskB: '00000000-0000-4000-8000-00000000b0d1',
  seedFamily: '00000000-0000-4000-8000-0000000f0001',
  father: '00000000-0000-4000-8000-0000000f0011',
  mother: '00000000-0000-4000-8000-0000000f0012',
  son: '00000000-0000-4000-8000-0000000f0013',
  daughter: '00000000-0000-4000-8000-0000000f0014',
  /** Scenario S5's family, on the "State top-up" plan (issue 14). */
  s5Family: '00000000-0000-4000-8000-0000000f5001',
  s5Father: '00000000-0000-4000-8000-0000000f5011',
  s5Mother: '00000000-0000-4000-8000-0000000f5012',
  s5Daughter: '00000000-0000-4000-8000-0000000f5013',
} as const;

/**
 * The demo's two plans (migration 030): the cashless scheme of today (no cost sharing: the
 * cover pays, the rest is shortfall) and S5's "State top-up" (family deductible 5,000 shared by
 * medical and pharmacy, co-insurance 10 % medical / 20 % pharmacy, out-of-pocket maximum 12,000
 * per member and 20,000 per family). Amounts in minor units.
 */
export const demoPlans = {
  cashless: { id: 'CASHLESS', name: 'Cashless family cover (no cost sharing)' },
  stateTopUp: {
    id: 'STATE-TOPUP',
    name: 'State top-up',
    familyDeductible: 5_000_00,
    coinsuranceMedicalBp: 1000,
    coinsurancePharmacyBp: 2000,
    memberOutOfPocketMax: 12_000_00,
    familyOutOfPocketMax: 20_000_00,
  },
} as const;

export const demoPassword = 'coverdesk-demo';

export const demoOperators = [
  { username: 'medco.a', displayName: 'Desk A operator', roles: ['MEDCO'], hospitalId: demoIds.hospitalA },
  { username: 'medco.b', displayName: 'Desk B operator', roles: ['MEDCO'], hospitalId: demoIds.hospitalB },
  { username: 'ppd', displayName: 'Pre-auth reviewer', roles: ['PPD'], hospitalId: null },
  { username: 'mc', displayName: 'Medical Committee', roles: ['MC'], hospitalId: null },
  { username: 'admin', displayName: 'Scheme admin', roles: ['ADMIN'], hospitalId: null },
  { username: 'cex', displayName: 'Claims executive', roles: ['CEX'], hospitalId: null },
  { username: 'cpd', displayName: 'Claims processing doctor', roles: ['CPD'], hospitalId: null },
  { username: 'aco', displayName: 'Accounts officer', roles: ['ACO'], hospitalId: null },
  { username: 'ha', displayName: 'Health authority', roles: ['HA'], hospitalId: null },
] as const;

export interface SeedOptions {
  /** How many generated families besides the seed family (the registry a desk can search). */
  readonly extraFamilies?: number;
  readonly nationalIdKey: Buffer;
  /** Seed family cover in minor units (S1: 10,000 units). */
  readonly seedCover?: number;
  /** The clock the demo's policy year is read from (tests of the year's roll-over). */
  readonly now?: () => Date;
}

function uuidFrom(prefix: string, index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `${prefix}-0000-4000-8000-${hex}`;
}

/** Deterministic pseudo-random numbers so every demo database looks the same. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const givenNames = [
  'Ramesh',
  'Sunita',
  'Arjun',
  'Priya',
  'Mahesh',
  'Lakshmi',
  'Vikram',
  'Anita',
  'Suresh',
  'Kavita',
  'Rahul',
  'Pooja',
  'Ganesh',
  'Meena',
  'Ravi',
  'Asha',
];
const familyNames = ['Patil', 'Jadhav', 'Shinde', 'Pawar', 'Kulkarni', 'Deshmukh', 'More', 'Gaikwad', 'Kale', 'Salunkhe'];

export function nationalIdHashFor(key: Buffer, nationalId: string): string {
  return createHmac('sha256', key).update(nationalId).digest('hex');
}

/**
 * The demo scheme: hospitals A and B with one desk each, one operator per role, the S1 seed family
 * (cover 10,000 units, father, mother, son, daughter), generated families, and the catalogue.
 * Running it twice changes nothing.
 */
export async function seedDemo(db: Database, options: SeedOptions): Promise<{ created: boolean }> {
  const [existing] = await db.query('SELECT id FROM schemes WHERE id = $1', [demoIds.schemeId]);
  if (existing) return { created: false };
  const passwordHash = await hashPassword(demoPassword);
  // The demo scheme's policy year is the calendar year now in India (year_start_month 1, time zone Asia/Kolkata).
  const policyYear = policyYearOf(options.now?.() ?? new Date(), 'Asia/Kolkata', 1);
  await db.transaction(async (sql: Sql) => {
    await sql.query(
      `INSERT INTO schemes (id, name, policy_year, currency, locale, minor_per_unit, government_share_bp, shortfall_policy, auto_extend_bp, preauth_turnaround_minutes)
       VALUES ($1, 'Family Health Scheme (demo)', $2, 'INR', 'en-IN', 100, 6000, 'partial-hold', 0, 360)`,
      [demoIds.schemeId, policyYear],
    );
    await sql.query(
      "INSERT INTO hospitals (id, code, name, district) VALUES ($1, 'HSP-A', 'City General Hospital', 'Pune'), ($2, 'HSP-B', 'District Hospital Satara', 'Satara')",
      [demoIds.hospitalA, demoIds.hospitalB],
    );
    await sql.query("INSERT INTO desks (id, hospital_id, name) VALUES ($1, $2, 'Admission desk A'), ($3, $4, 'Admission desk B')", [
      demoIds.deskA,
      demoIds.hospitalA,
      demoIds.deskB,
      demoIds.hospitalB,
    ]);
    for (const [index, operator] of demoOperators.entries()) {
      await sql.query('INSERT INTO operators (id, username, display_name, password_hash, roles, hospital_id) VALUES ($1, $2, $3, $4, $5, $6)', [
        uuidFrom('00000000', 0x0e00 + index),
        operator.username,
        operator.displayName,
        passwordHash,
        [...operator.roles],
        operator.hospitalId,
      ]);
    }
    for (const item of [...demoCatalogue, ...unspecifiedPackages, ...emergencyPackages]) {
      await sql.query('INSERT INTO packages (code, specialty, name, is_unspecified) VALUES ($1, $2, $3, $4)', [
        item.code,
        item.specialty,
        item.name,
        item.isUnspecified ?? false,
      ]);
      await sql.query('INSERT INTO package_prices (package_code, version, price) VALUES ($1, 1, $2)', [item.code, item.rupees * 100]);
    }
    const [plansTable] = await sql.query<{ present: boolean }>("SELECT to_regclass('plans') IS NOT NULL AS present");
    const hasPlans = plansTable?.present === true;
    if (hasPlans) {
      const { cashless, stateTopUp } = demoPlans;
      await sql.query('INSERT INTO plans (id, scheme_id, name) VALUES ($1, $3, $2), ($4, $3, $5)', [
        cashless.id,
        cashless.name,
        demoIds.schemeId,
        stateTopUp.id,
        stateTopUp.name,
      ]);
      await sql.query('INSERT INTO plan_years (plan_id, policy_year) VALUES ($1, $2)', [cashless.id, policyYear]);
      await sql.query(
        'INSERT INTO plan_years (plan_id, policy_year, family_deductible, coinsurance_medical_bp, coinsurance_pharmacy_bp, member_oop_max, family_oop_max) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          stateTopUp.id,
          policyYear,
          stateTopUp.familyDeductible,
          stateTopUp.coinsuranceMedicalBp,
          stateTopUp.coinsurancePharmacyBp,
          stateTopUp.memberOutOfPocketMax,
          stateTopUp.familyOutOfPocketMax,
        ],
      );
    }
    // A family row, with its plan where the schema has plans (migration 030; older schemas, as the
    // key-migration test builds them, have no plan_id column).
    const insertFamily = (values: readonly [string, string, string, number, string, string], planId: string) =>
      hasPlans
        ? sql.query('INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district, plan_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
            ...values,
            planId,
          ])
        : sql.query('INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district) VALUES ($1, $2, $3, $4, $5, $6)', [...values]);
    const seedCover = options.seedCover ?? 10_000 * 100;
    await insertFamily([demoIds.seedFamily, demoIds.schemeId, 'FAM-S1-0001', seedCover, '+919800000001', 'Pune'], demoPlans.cashless.id);
    const seedMembers = [
      [demoIds.father, 'PMJ-S1000001', 'Ramesh Patil', 1978, 'M', 'head', '100000000001', 'HC-S1-0001'],
      [demoIds.mother, 'PMJ-S1000002', 'Sunita Patil', 1982, 'F', 'spouse', '100000000002', 'HC-S1-0002'],
      [demoIds.son, 'PMJ-S1000003', 'Arjun Patil', 2008, 'M', 'son', '100000000003', 'HC-S1-0003'],
      [demoIds.daughter, 'PMJ-S1000004', 'Priya Patil', 2012, 'F', 'daughter', '100000000004', 'HC-S1-0004'],
    ] as const;
    for (const [id, schemeMemberId, name, year, gender, relation, nationalId, card] of seedMembers) {
      await sql.query(
        'INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation, national_id_hash, health_card_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [id, demoIds.seedFamily, schemeMemberId, name, year, gender, relation, nationalIdHashFor(options.nationalIdKey, nationalId), card],
      );
    }
    if (hasPlans) {
      // S5's family: cover 200,000 on the State top-up plan; father, mother, daughter.
      await sql.query(
        "INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district, plan_id) VALUES ($1, $2, 'FAM-S5-0001', $3, '+919800000005', 'Pune', $4)",
        [demoIds.s5Family, demoIds.schemeId, 200_000 * 100, demoPlans.stateTopUp.id],
      );
      const s5Members = [
        [demoIds.s5Father, 'PMJ-S5000001', 'Mahesh Kulkarni', 1975, 'M', 'head', '500000000001', 'HC-S5-0001'],
        [demoIds.s5Mother, 'PMJ-S5000002', 'Meena Kulkarni', 1979, 'F', 'spouse', '500000000002', 'HC-S5-0002'],
        [demoIds.s5Daughter, 'PMJ-S5000003', 'Asha Kulkarni', 2010, 'F', 'daughter', '500000000003', 'HC-S5-0003'],
      ] as const;
      for (const [id, schemeMemberId, name, year, gender, relation, nationalId, card] of s5Members) {
        await sql.query(
          'INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation, national_id_hash, health_card_number, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
          // Enrolled a year before the policy year began: no waiting period is running.
          [
            id,
            demoIds.s5Family,
            schemeMemberId,
            name,
            year,
            gender,
            relation,
            nationalIdHashFor(options.nationalIdKey, nationalId),
            card,
            `${policyYear - 1}-01-01T00:00:00Z`,
          ],
        );
      }
    }
    const random = generator(2026);
    const extra = options.extraFamilies ?? 200;
    for (let f = 1; f <= extra; f += 1) {
      const familyId = uuidFrom('00000000', 0x100000 + f);
      const surname = familyNames[Math.floor(random() * familyNames.length)]!;
      const district = random() < 0.5 ? 'Pune' : 'Satara';
      await insertFamily(
        [familyId, demoIds.schemeId, `FAM-${String(f).padStart(6, '0')}`, 500_000 * 100, `+9198${String(10_000_000 + f).slice(-8)}`, district],
        demoPlans.cashless.id,
      );
      const size = 2 + Math.floor(random() * 4);
      for (let m = 0; m < size; m += 1) {
        const index = f * 10 + m;
        await sql.query(
          'INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation, national_id_hash, health_card_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [
            uuidFrom('00000000', 0x200000 + index),
            familyId,
            `PMJ-${index.toString(36).toUpperCase().padStart(8, '0')}`,
            `${givenNames[Math.floor(random() * givenNames.length)]!} ${surname}`,
            1945 + Math.floor(random() * 75),
            random() < 0.5 ? 'F' : 'M',
            m === 0 ? 'head' : m === 1 ? 'spouse' : 'other',
            nationalIdHashFor(options.nationalIdKey, String(200_000_000_000 + index)),
            `HC-${String(index).padStart(8, '0')}`,
          ],
        );
      }
    }
    // Every family's account of the open policy year (migration 023). A database still at an older
    // schema (keyring.test.ts seeds one) has no accounts table yet: migration 023 opens them.
    const [accounts] = await sql.query<{ present: boolean }>("SELECT to_regclass('family_years') IS NOT NULL AS present");
    if (accounts?.present)
      await sql.query('INSERT INTO family_years (family_id, policy_year, cover) SELECT id, $1, cover FROM families ON CONFLICT DO NOTHING', [policyYear]);
  });
  return { created: true };
}
