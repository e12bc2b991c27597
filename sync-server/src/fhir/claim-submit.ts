import type { Claim } from '@medplum/fhirtypes';
import type { CommandBody } from '@contract/commands';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import { addBooking, discharge } from '../commands/bookings';
import { submitClaim } from '../commands/claims';
import type { CommandContext, CommandHandlers, CommandResult } from '../commands/context';
import { admit } from '../commands/admission';
import { requestPreauth } from '../commands/preauth';
import { requestEnhancement } from '../commands/decisions';
import { runCommand, type CommandOutcome, type RunnerDependencies } from '../commands/runner';
import type { Sql, TransactionSql } from '../db/database';
import {
  claimInput,
  commandIdOf,
  derivedUuid,
  enhancementInput,
  isEnhancementClaim,
  isUuid,
  memberOfReference,
  preauthInput,
  requireOwnProvider,
} from './claim-input';
import type { Currency } from './money';

/**
 * Claim/$submit through the command runner (commands/runner.ts), so a FHIR pre-auth or claim
 * gets exactly the desk's guarantees: one transaction, the idempotency row claimed first, every
 * money rule of the handlers, rejections stored so a retry gets the same answer.
 *
 * A pre-auth is admit + request-preauth in ONE transaction, run as the request-preauth command
 * with the admission inside its body: a hospital system sends one Claim, and a refused hold (or a
 * member active elsewhere) must not leave an admitted case behind. A claim is its bookings (the
 * items) + discharge + submit-claim in one transaction, run as submit-claim: the claim equals the
 * booking sum or nothing at all is recorded. The ids of the case, claim and bookings derive from
 * the command id, which derives from Claim.identifier, so a repeat is the same command, byte for
 * byte, and is answered from the first. A pre-auth Claim that names an existing pre-auth (its hold
 * in insurance.preAuthRef, or related.claim) is an enhancement request: the native
 * request-enhancement, with the same refusals; PPD's decision places the extra hold.
 */
interface PreauthCommand extends CommandBody<'request-preauth'> {
  readonly fhir: {
    readonly admission: CommandBody<'admit'>;
    readonly identifier: { readonly system: string | null; readonly value: string };
  };
}
interface ClaimCommand extends CommandBody<'submit-claim'> {
  readonly fhir: {
    readonly bookings: readonly Omit<CommandBody<'add-booking'>, 'commandId' | 'caseId'>[];
    readonly identifier: { readonly system: string | null; readonly value: string };
  };
}
interface EnhancementCommand extends CommandBody<'request-enhancement'> {
  readonly fhir: { readonly identifier: { readonly system: string | null; readonly value: string } };
}
const isPreauthCommand = (body: CommandBody<'request-preauth'>): body is PreauthCommand => 'fhir' in body;
const isEnhancementCommand = (body: CommandBody<'request-enhancement'>): body is EnhancementCommand => 'fhir' in body;
const isClaimCommand = (body: CommandBody<'submit-claim'>): body is ClaimCommand => 'fhir' in body;

async function recordIdentifier(
  context: CommandContext,
  use: 'preauthorization' | 'claim' | 'enhancement',
  identifier: { system: string | null; value: string },
  caseId: string,
  made: { claimId?: string; enhancementId?: string } = {},
): Promise<void> {
  await context.sql.defer(
    'INSERT INTO fhir_claims (command_id, operator_id, identifier_system, identifier_value, use, case_id, claim_id, enhancement_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [context.commandId, context.principal.operatorId, identifier.system, identifier.value, use, caseId, made.claimId ?? null, made.enhancementId ?? null],
  );
}

/**
 * Send the writes a handler deferred (database.ts: queued until the commit, invisible to the next
 * read) before the next handler reads: each handler was written as a whole command, and the next
 * one must see the case it admitted or the bookings it made. Same transaction, one round trip more.
 */
const isTransaction = (sql: Sql): sql is TransactionSql => 'flush' in sql;
async function flushDeferred(context: CommandContext): Promise<void> {
  if (isTransaction(context.sql)) await context.sql.flush();
}

async function admitAndRequestPreauth(context: CommandContext, body: CommandBody<'request-preauth'>): Promise<CommandResult<'request-preauth'>> {
  if (!isPreauthCommand(body)) return requestPreauth(context, body);
  const { fhir, ...preauth } = body;
  await admit(context, fhir.admission);
  await flushDeferred(context);
  const answer = await requestPreauth(context, preauth);
  await recordIdentifier(context, 'preauthorization', fhir.identifier, body.caseId);
  return answer;
}

async function bookDischargeAndClaim(context: CommandContext, body: CommandBody<'submit-claim'>): Promise<CommandResult<'submit-claim'>> {
  if (!isClaimCommand(body)) return submitClaim(context, body);
  const { fhir, ...claim } = body;
  for (const booking of fhir.bookings) {
    await addBooking(context, { commandId: body.commandId, caseId: body.caseId, ...booking });
    await flushDeferred(context);
  }
  // A case a desk already discharged goes straight to its claim (its bookings were made at the desk).
  const [state] = await context.sql.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [body.caseId]);
  if (state?.status === 'admitted') {
    await discharge(context, { commandId: body.commandId, caseId: body.caseId });
    await flushDeferred(context);
  }
  const answer = await submitClaim(context, claim);
  await recordIdentifier(context, 'claim', fhir.identifier, body.caseId, { claimId: body.claimId });
  return answer;
}

/** An enhancement request is the native request-enhancement, unchanged, with its Claim.identifier kept beside it. */
async function requestFhirEnhancement(context: CommandContext, body: CommandBody<'request-enhancement'>): Promise<CommandResult<'request-enhancement'>> {
  if (!isEnhancementCommand(body)) return requestEnhancement(context, body);
  const { fhir, ...enhancement } = body;
  const answer = await requestEnhancement(context, enhancement);
  await recordIdentifier(context, 'enhancement', fhir.identifier, body.caseId, { enhancementId: body.enhancementId });
  return answer;
}

/** The runner's dependencies with the three FHIR commands in place of the handlers they extend (each falls back to the plain handler for a plain body). */
export function fhirRunner(runner: RunnerDependencies): RunnerDependencies {
  const handlers: CommandHandlers = {
    ...runner.handlers,
    'request-preauth': admitAndRequestPreauth,
    'submit-claim': bookDischargeAndClaim,
    'request-enhancement': requestFhirEnhancement,
  };
  return { ...runner, handlers };
}

export type Submitted =
  | { readonly use: 'preauthorization'; readonly caseId: string; readonly outcome: CommandOutcome }
  | { readonly use: 'enhancement'; readonly caseId: string; readonly enhancementId: string; readonly outcome: CommandOutcome }
  | { readonly use: 'claim'; readonly caseId: string; readonly claimId: string; readonly outcome: CommandOutcome };

export async function submitFhirClaim(
  runner: RunnerDependencies,
  sql: Pick<Sql, 'query'>,
  principal: Principal,
  claim: Claim,
  currency: Currency,
): Promise<Submitted> {
  const { commandId, system, value } = commandIdOf(principal, claim);
  await requireOwnProvider(sql, principal, claim.provider);
  const identifier = { system, value };
  switch (claim.use) {
    case 'preauthorization': {
      if (isEnhancementClaim(claim)) {
        const input = enhancementInput(claim, currency);
        const caseId = await caseOfClaim(sql, principal, input.holdId, input.relatedCaseId);
        const member = await memberOfReference(sql, claim.patient, 'Claim.patient');
        const [named] = await sql.query<{ member_id: string }>('SELECT member_id FROM cases WHERE id = $1', [caseId]);
        if (named?.member_id !== member.id) throw fail('invalid-input', 'Claim.patient is not the patient of the pre-authorization this enhancement extends.');
        const enhancementId = derivedUuid('coverdesk fhir enhancement', commandId);
        const body: EnhancementCommand = { commandId, enhancementId, caseId, amount: input.amount, reason: input.reason, fhir: { identifier } };
        return { use: 'enhancement', caseId, enhancementId, outcome: await runCommand(runner, 'request-enhancement', body, principal) };
      }
      const input = preauthInput(claim, currency);
      const member = await memberOfReference(sql, input.memberRef, 'Claim.patient');
      const [pkg] = await sql.query<{ is_unspecified: boolean; price: number }>(
        'SELECT p.is_unspecified, pp.price FROM packages p JOIN package_prices pp ON pp.package_code = p.code WHERE p.code = $1 ORDER BY pp.version DESC LIMIT 1',
        [input.packageCode],
      );
      if (!pkg) throw fail('not-found', `There is no package ${input.packageCode} in the catalogue (see InsurancePlan).`);
      if (pkg.is_unspecified && input.amount === null)
        throw fail('invalid-input', `${input.packageCode} is an unspecified package: give the estimated amount in Claim.item[0].net.`);
      if (!pkg.is_unspecified && input.amount !== null && input.amount !== pkg.price)
        throw fail(
          'invalid-input',
          `Claim.item[0].net (${input.amount / currency.minorPerUnit}) is not the current price of ${input.packageCode} (${pkg.price / currency.minorPerUnit}); send the catalogue price (InsurancePlan) or leave it out.`,
        );
      const caseId = derivedUuid('coverdesk fhir case', commandId);
      const body: PreauthCommand = {
        commandId,
        caseId,
        packageCode: input.packageCode,
        ...(pkg.is_unspecified && input.amount !== null ? { estimatedAmount: input.amount } : {}),
        ...(input.clinicalNote !== null ? { clinicalNote: input.clinicalNote } : {}),
        fhir: {
          // A hospital system's admission: the patient's identity was not proven to the scheme by
          // fingerprint, face or one-time code, so it is an admission on a document, reviewed by HA.
          admission: { commandId, caseId, memberId: member.id, identityMethod: 'document', ...(input.isEmergency ? { isEmergency: true } : {}) },
          identifier,
        },
      };
      return { use: 'preauthorization', caseId, outcome: await runCommand(runner, 'request-preauth', body, principal) };
    }
    case 'claim': {
      const input = claimInput(claim, currency);
      const caseId = await caseOfClaim(sql, principal, input.holdId, input.relatedCaseId);
      const claimId = derivedUuid('coverdesk fhir claim id', commandId);
      const body: ClaimCommand = {
        commandId,
        claimId,
        caseId,
        amount: input.amount,
        fhir: {
          bookings: input.items.map((item, index) => ({ bookingId: derivedUuid('coverdesk fhir booking', commandId, String(index)), ...item })),
          identifier,
        },
      };
      return { use: 'claim', caseId, claimId, outcome: await runCommand(runner, 'submit-claim', body, principal) };
    }
    default:
      throw fail(
        'invalid-input',
        `Claim.use ${claim.use} is not taken here: send preauthorization (admit, pre-auth and hold) or claim (the bookings, discharge and claim).`,
      );
  }
}

/** The case a claim is against: the hold its preAuthRef names, or the pre-auth Claim it relates to; of the caller's hospital only. */
async function caseOfClaim(sql: Pick<Sql, 'query'>, principal: Principal, holdId: string | null, relatedCaseId: string | null): Promise<string> {
  const [row] =
    holdId !== null
      ? isUuid(holdId)
        ? await sql.query<{ case_id: string; hospital_id: string }>(
            'SELECT h.case_id, c.hospital_id FROM holds h JOIN cases c ON c.id = h.case_id WHERE h.id = $1',
            [holdId],
          )
        : []
      : isUuid(relatedCaseId!)
        ? await sql.query<{ case_id: string; hospital_id: string }>('SELECT id AS case_id, hospital_id FROM cases WHERE id = $1', [relatedCaseId])
        : [];
  if (!row || row.hospital_id !== principal.hospitalId) {
    throw fail(
      'not-found',
      holdId !== null ? `There is no pre-authorization ${holdId} (preAuthRef) of your hospital.` : `There is no Claim/${relatedCaseId} of your hospital.`,
    );
  }
  return row.case_id;
}
