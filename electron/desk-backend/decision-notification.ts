import type { DeskEvents } from '../desk-api/contract';

/**
 * The notification for a pre-authorization decision that arrived by pull. It is shown by the
 * operating system (Electron main) and as a toast, on a screen others at the admission desk can
 * read — and an OS notification stays in the notification centre and on a locked screen. So it
 * names the package, the decision and a short case reference, never the patient (issue 13 item 12);
 * "Open case" shows who it is to the operator signed in.
 */
export function decisionNotification(decision: { readonly caseId: string; readonly status: string }, packageCode: string | null): DeskEvents['notification'] {
  const reference = decision.caseId.slice(0, 8);
  return {
    caseId: decision.caseId,
    title: `Pre-authorization ${decision.status}`,
    body: `Case ${reference}${packageCode ? `, package ${packageCode}` : ''}: ${decision.status}. Open the case in CoverDesk to see the patient.`,
  };
}
