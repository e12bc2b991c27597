import type { IssuerKeys } from '../identifiers/issuer-keys';
import type { Keyring } from '../auth/keyring';
import { formatAmount } from '@domain/money';
import type { CommandBody, CommandName } from '@contract/commands';
import type { CommandResultOf } from '@contract/results';
import type { Principal } from '../auth/tokens';
import type { Sql } from '../db/database';
import type { OtpPolicy } from '../identity/otp';
import type { SmsGateway } from '../identity/sms';

export interface SchemeRow {
  id: string;
  name: string;
  policy_year: number;
  currency: string;
  locale: string;
  minor_per_unit: number;
  government_share_bp: number;
  shortfall_policy: 'partial-hold' | 'refuse';
  auto_extend_bp: number;
  preauth_turnaround_minutes: number;
  /** IANA zone of the scheme's dates people read, e.g. a payment reference's (migration 012). */
  time_zone: string;
  /** The month (1–12) a policy year starts in; `policy_year` is the open year (migration 023). */
  year_start_month: number;
  /** Match evidence (issue 13 item 6, migration 039): the fingerprint module's least match score. */
  fingerprint_min_score: number;
  /** The face engine's least similarity, in basis points (6,000 = 0.6). */
  face_min_similarity_bp: number;
  /** The share of verified biometric admissions sampled for review, in basis points. */
  identity_sample_bp: number;
  /** Emergencies (issue 19, migration 055): the window to identify an emergency patient and raise the pre-auth. */
  emergency_identify_window_minutes: number;
  /** The emergency pre-auth's own service level (shorter than preauth_turnaround_minutes). */
  emergency_preauth_turnaround_minutes: number;
}

/** The money parameters of one policy year: the open year's from the scheme row, a closed year's as frozen at its roll-over. */
export interface YearParameters {
  policy_year: number;
  government_share_bp: number;
  shortfall_policy: 'partial-hold' | 'refuse';
  auto_extend_bp: number;
  is_open: boolean;
}

/**
 * The parameters a decision on a case uses: those of the case's policy year (a case admitted on
 * 31 December and booked on 1 January keeps the old year's), read inside the command's transaction.
 */
export async function yearParameters(sql: Pick<Sql, 'query'>, policyYear: number): Promise<YearParameters> {
  const [row] = await sql.query<YearParameters>(
    'SELECT policy_year, government_share_bp, shortfall_policy, auto_extend_bp, is_open FROM policy_year_parameters WHERE policy_year = $1',
    [policyYear],
  );
  if (!row) throw new Error(`Policy year ${policyYear} has no scheme parameters in this database.`);
  return row;
}

/**
 * The scheme parameters a command decides with, read inside its own transaction from the
 * `schemes` row, so a change committed by any server process is used by the very next decision
 * (issue 24 item 11: a per-process copy let other processes decide with the old values for 5 s).
 * The per-process copy in server-state.ts is for display reads only.
 */
export async function currentScheme(sql: Pick<Sql, 'query'>): Promise<SchemeRow> {
  const [row] = await sql.query<SchemeRow>('SELECT * FROM schemes WHERE is_current');
  if (!row) throw new Error('No scheme is configured in this database: load a scheme before taking commands.');
  return row;
}

/** Everything a handler may use: the transaction, who is asking, and injected clock and keys. */
export interface CommandContext {
  readonly sql: Sql;
  readonly principal: Principal;
  readonly commandId: string;
  /** Read by the runner inside this command's transaction (currentScheme), never a cached copy. */
  readonly scheme: SchemeRow;
  readonly nationalIdKey: Buffer;
  /** See ServerKeys.nationalIdLegacy: national-id hashes from before keys:migrate are hashed again under the current key. */
  readonly nationalIdLegacy?: Buffer | null;
  /** The biometric at-rest keyring (auth/keyring.ts); biometric commands refuse without it. */
  readonly biometricKeys?: Keyring;
  /** The e-card signing keyring (auth/keyring.ts `eCard`); e-card commands refuse without it. */
  readonly eCardKeys?: Keyring;
  /**
   * National ID QR issuers' published public keys by issuer id (issue 16; identifiers/issuer-keys.ts,
   * COVERDESK_ID_ISSUER_KEYS_FILE). A QR of an issuer not listed is linked as an unverified document.
   */
  readonly idIssuerKeys?: IssuerKeys;
  readonly services: CommandServices;
  /**
   * Run `task` after this command's transaction has committed (not at all if it rolls back), with
   * a database handle of its own: network calls (the SMS gateway) go here, so no lock is ever
   * held while a remote system answers. The command's answer waits for its tasks.
   */
  readonly afterCommit: (task: (db: Sql) => Promise<void>) => void;
}

/** Injected dependencies of handlers: the clock and the identity services. */
export interface CommandServices {
  readonly now: () => Date;
  readonly sms: SmsGateway;
  readonly otp: OtpPolicy;
}

/** What a command's handler answers: exactly its result schema in contract/results.ts. */
export type CommandResult<N extends CommandName> = CommandResultOf<N>;
export type CommandHandler<N extends CommandName> = (context: CommandContext, body: CommandBody<N>) => Promise<CommandResult<N>>;
export type CommandHandlers = { [N in CommandName]: CommandHandler<N> };

/**
 * What this process may do after a command has committed, for its own copies of what the
 * command changed (the scheme it caches, the operator status it caches). A failure here is
 * logged, never answered: the command's answer is already the truth (app.ts, commands routes).
 */
export interface AfterCommitServices {
  reloadScheme(): Promise<void>;
  forgetOperator(operatorId: string): void;
}
/** A command's own after-commit effect, declared next to its handler. */
export type AfterCommit<N extends CommandName> = (services: AfterCommitServices, body: CommandBody<N>) => Promise<void> | void;
export type AfterCommitEffects = { [N in CommandName]?: AfterCommit<N> };

/** Amounts in messages are for people: "₹100.00", in the scheme's currency and locale. */
export function formatMoney(context: { readonly scheme: Pick<SchemeRow, 'currency' | 'locale' | 'minor_per_unit'> }, minor: number): string {
  return formatAmount(minor, context.scheme.currency, context.scheme.locale, context.scheme.minor_per_unit);
}
