/**
 * 026 — identify-member answers no longer keep personal data (issue 13 item 12). `commands.answer`
 * held each lookup's result (names, birth years, the family's members): the runner now stores only
 * `{commandId, command, kept: {memberId}}` and answers a repeat of the command id from the member's
 * rows (commands/runner.ts). Existing rows are rewritten to that shape here.
 */
export const sql = /* sql */ `
UPDATE commands
   SET answer = jsonb_build_object('commandId', answer->'commandId', 'command', 'identify-member', 'kept', jsonb_build_object('memberId', answer->'result'->'member'->'memberId'))
 WHERE name = 'identify-member' AND http_status = 200 AND answer ? 'result';
`;
