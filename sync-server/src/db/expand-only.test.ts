import { describe, expect, it } from 'vitest';
import { readReleases } from '../testing/releases';
import { describeViolation, expandOnlyViolations, type ExpandOnlyRule, type MigrationText } from './expand-only';
import { migrations } from './migrate';

/**
 * Issue 23: the previous release's servers keep serving while the next release's migrations run,
 * so every migration added since that release (build/releases.json) must be expand-only. The
 * side-by-side run is tests/server/rolling-upgrade.test.ts (PostgreSQL).
 */
const { previous, releases } = readReleases();
const releasedVersions = new Set(previous.migrations);

describe(`migrations added since ${previous.name} are expand-only`, () => {
  it(`keeps every migration of ${previous.name}, in the order it ran them (migrations are append-only)`, () => {
    const kept = migrations.filter((m) => releasedVersions.has(m.version)).map((m) => m.version);
    expect(kept).toEqual(previous.migrations);
  });

  it('breaks none of the rules (or records the reviewed exception)', () => {
    const released = migrations.filter((m) => releasedVersions.has(m.version));
    const added = migrations.filter((m) => !releasedVersions.has(m.version));
    const problems = expandOnlyViolations(released, added, { releases: releases.map((r) => r.name) }).map((v) => describeViolation(v, previous.name));
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

/** A release with a few tables, a view and a function, and one migration after it. */
const release: MigrationText[] = [
  {
    version: 1,
    name: 'initial',
    sql: /* sql */ `
      CREATE TABLE families (id uuid PRIMARY KEY, cover bigint NOT NULL, committed bigint NOT NULL DEFAULT 0, CONSTRAINT committed_within_cover CHECK (committed <= cover));
      CREATE TABLE holds (id uuid PRIMARY KEY, family_id uuid NOT NULL REFERENCES families(id), amount bigint NOT NULL, status text NOT NULL DEFAULT 'active');
      CREATE VIEW family_balances AS SELECT id, cover - committed AS available FROM families;
      CREATE FUNCTION place_hold(family uuid, amount bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 1; DROP TABLE holds; $$;
    `,
  },
];
const after = (sql: string) => expandOnlyViolations(release, [{ version: 2, name: 'next', sql }]).map((v) => `${v.rule} ${v.object}`);

describe('the expand-only rules', () => {
  it.each<[ExpandOnlyRule, string, string]>([
    ['drop-table', 'DROP TABLE IF EXISTS holds CASCADE', 'holds'],
    ['drop-column', 'ALTER TABLE families DROP COLUMN committed', 'families.committed'],
    ['drop-column', 'ALTER TABLE holds ADD COLUMN note text, DROP COLUMN IF EXISTS status', 'holds.status'],
    ['rename', 'ALTER TABLE holds RENAME TO reservations', 'holds'],
    ['rename', 'ALTER TABLE holds RENAME COLUMN amount TO held', 'holds.amount'],
    ['rename', 'ALTER TABLE families RENAME CONSTRAINT committed_within_cover TO within_cover', 'families.committed_within_cover'],
    ['rename', 'ALTER FUNCTION place_hold(uuid, bigint) RENAME TO hold', 'place_hold'],
    ['change-column-type', 'ALTER TABLE holds ALTER COLUMN amount TYPE numeric', 'holds.amount'],
    ['change-column-type', 'ALTER TABLE holds ALTER amount SET DATA TYPE integer', 'holds.amount'],
    ['set-not-null', 'ALTER TABLE holds ADD COLUMN note text; ALTER TABLE holds ALTER COLUMN note SET NOT NULL', 'holds.note'],
    ['not-null-without-default', 'ALTER TABLE holds ADD COLUMN policy_year integer NOT NULL', 'holds.policy_year'],
    ['drop-default', 'ALTER TABLE holds ALTER COLUMN status DROP DEFAULT', 'holds.status'],
    ['new-constraint', "ALTER TABLE holds ADD CONSTRAINT hold_status CHECK (status IN ('active', 'released'))", 'holds.hold_status'],
    ['new-constraint', 'ALTER TABLE holds ADD CHECK (amount > 0)', 'holds'],
    ['new-constraint', 'CREATE UNIQUE INDEX one_hold ON holds (family_id) WHERE status = $$active$$', 'holds'],
    ['drop-view', 'DROP VIEW family_balances', 'family_balances'],
    ['drop-function', 'DROP FUNCTION place_hold(uuid, bigint)', 'place_hold'],
    [
      'drop-function',
      'DROP FUNCTION place_hold(uuid, bigint); CREATE FUNCTION place_hold(family uuid, amount bigint, year integer) RETURNS bigint LANGUAGE sql AS $$ SELECT 1 $$',
      'place_hold',
    ],
    ['truncate', 'TRUNCATE holds, families', 'holds'],
    ['revoke', 'REVOKE UPDATE ON holds FROM coverdesk_runtime', 'holds'],
    [
      'revoke',
      "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'coverdesk_runtime') THEN REVOKE DELETE ON families FROM coverdesk_runtime; END IF; END $$",
      'families',
    ],
  ])('%s: %s', (rule, sql, object) => {
    expect(after(sql)).toContain(`${rule} ${object}`);
  });

  it.each([
    [
      'a new table, its constraints, triggers and privileges',
      'CREATE TABLE payments (id uuid PRIMARY KEY, amount bigint NOT NULL CHECK (amount > 0)); REVOKE UPDATE ON payments FROM coverdesk_runtime; DROP TABLE IF EXISTS scratch',
    ],
    ['a nullable column', 'ALTER TABLE holds ADD COLUMN note text'],
    [
      'a NOT NULL column with a default',
      "ALTER TABLE holds ADD COLUMN policy_year integer NOT NULL DEFAULT 2026, ADD COLUMN kind text NOT NULL DEFAULT 'package'",
    ],
    ['a generated column', 'ALTER TABLE holds ADD COLUMN cents bigint NOT NULL GENERATED ALWAYS AS (amount * 100) STORED'],
    [
      'a constraint on new columns only',
      'ALTER TABLE holds ADD COLUMN a bigint, ADD COLUMN b bigint, ADD CONSTRAINT a_b CHECK (a <= b), ADD FOREIGN KEY (a) REFERENCES families(cover)',
    ],
    [
      'a CHECK replaced under its name',
      'ALTER TABLE families DROP CONSTRAINT committed_within_cover, ADD CONSTRAINT committed_within_cover CHECK (committed <= cover OR cover = 0)',
    ],
    [
      'a dropped constraint, default set, an index',
      'ALTER TABLE holds ALTER COLUMN status SET DEFAULT $$held$$; CREATE INDEX holds_family ON holds (family_id)',
    ],
    [
      'a function replaced, a new argument defaulted',
      'DROP FUNCTION place_hold(uuid, bigint); CREATE FUNCTION place_hold(family uuid, amount bigint, year integer DEFAULT NULL) RETURNS bigint LANGUAGE sql AS $$ SELECT 1 $$',
    ],
    ['a view re-created', 'DROP VIEW family_balances; CREATE VIEW family_balances AS SELECT id, cover - committed AS available, cover FROM families'],
    [
      'words in strings, comments and function bodies',
      "-- DROP TABLE holds;\nCREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN TRUNCATE holds; RAISE EXCEPTION 'DROP TABLE holds'; END $fn$; COMMENT ON TABLE holds IS 'ALTER TABLE holds DROP COLUMN amount'",
    ],
  ])('allows %s', (_what, sql) => {
    expect(after(sql)).toEqual([]);
  });

  it('allows a contract step once the release it is safe beside has been released, and says what rule was broken before', () => {
    const step = { version: 2, rule: 'drop-column' as const, object: 'families.committed', reason: 'read from family_years since v1.1.0', safeSince: 'v1.1.0' };
    const migration = [{ version: 2, name: 'drop-committed', sql: 'ALTER TABLE families DROP COLUMN committed' }];
    const early = expandOnlyViolations(release, migration, { releases: ['v1.0.0'], reviewed: [step] });
    expect(early.map((v) => describeViolation(v, 'v1.0.0'))).toEqual([
      expect.stringMatching(
        /^migration 002-drop-committed breaks the expand-only rule "drop-column" on families\.committed: the previous release still selects/,
      ),
    ]);
    expect(expandOnlyViolations(release, migration, { releases: ['v1.0.0', 'v1.1.0'], reviewed: [step] })).toEqual([]);
    // A reason alone does not schedule a contract step; it does allow a reviewed constraint.
    expect(expandOnlyViolations(release, migration, { releases: ['v1.0.0'], reviewed: [{ ...step, safeSince: undefined }] })).toHaveLength(1);
  });

  it('would have refused the upgrades of the past that were not rolling (023 policy years, 034 patient account)', () => {
    const found = (version: number) => {
      const index = migrations.findIndex((m) => m.version === version);
      return expandOnlyViolations(migrations.slice(0, index), [migrations[index]!]).map((v) => `${v.rule} ${v.object}`);
    };
    expect(found(23)).toEqual(expect.arrayContaining(['drop-column families.committed', 'set-not-null cases.received_at']));
    expect(found(34)).toContain('drop-table patient_shares');
    // 048 only made tables of its own.
    expect(found(48)).toEqual([]);
  });
});
