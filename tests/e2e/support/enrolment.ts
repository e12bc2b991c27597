import type { Page } from 'playwright-core';
import { admitForEnrolment } from '../../../sync-server/src/testing/enrolment';
import { resultOf } from '../../../sync-server/src/testing/harness';
import type { Environment } from './desk-environment';

/**
 * Enrolment at the desk is offered on the case of a patient admitted here, on a one-time code
 * (issue 13 item 5). Set-up: the member admitted at hospital A (server side, on a verified code),
 * desk A pulls the case, and the page opens its case screen at "Enrol biometrics".
 */
export async function openCaseForEnrolment(env: Environment, page: Page, memberId: string): Promise<string> {
  const { caseId } = await admitForEnrolment(env.server, await env.server.login('medco.a'), 'medco.a', memberId);
  await env.deskA.backend.engine.requestSync();
  await page.goto(`${env.deskA.url}#/case/${caseId}`);
  await page.getByRole('heading', { name: 'Enrol biometrics' }).waitFor();
  return caseId;
}

/** On the case screen: a code sent to the family's phone, read from the SMS sink, checked. */
export async function checkEnrolmentCode(env: Environment, page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Send code for enrolment' }).click();
  await page.getByRole('status').filter({ hasText: 'Code sent to the phone ending' }).waitFor();
  await page.getByRole('textbox', { name: 'Enrolment code received by SMS' }).fill(env.lastCode());
  await page.getByRole('button', { name: 'Check code' }).click();
}

/**
 * The enrolment visit over (the case cancelled server side), so the member can be admitted again
 * through the identity step. In the story that visit was an earlier stay: its one-time code is put
 * two hours back, so the server's resend wait (60 s) and hourly limit count only codes sent after it.
 */
export async function endEnrolmentCase(env: Environment, caseId: string): Promise<void> {
  resultOf(await env.server.command(await env.server.login('medco.a'), 'cancel-case', { caseId, reason: 'Enrolment visit over' }));
  await env.server.scratch.db.query(
    "UPDATE otp_challenges SET created_at = created_at - interval '2 hours', expires_at = expires_at - interval '2 hours' WHERE member_id = (SELECT member_id FROM cases WHERE id = $1)",
    [caseId],
  );
  await env.deskA.backend.engine.requestSync();
}
