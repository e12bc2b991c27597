// The scheme's required-documents checklist per package and stage, and the check that refuses a
// pre-auth, query response or claim missing any of them (issue 19).
import type { CommandBody } from '@contract/commands';
import { documentKindLabel, missingDocuments, type DocumentStage } from '@domain/documents';
import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Sql } from '../db/database';
import { currentPackage } from '../commands/packages';
import type { CommandContext, CommandResult } from '../commands/context';

const stageWords: Record<DocumentStage, string> = {
  preauth: 'pre-authorization',
  'query-response': 'answer to the query',
  claim: 'claim',
};

/** The kinds a package's checklist requires at a stage, in the order the scheme set them. */
export async function requiredDocuments(sql: Pick<Sql, 'query'>, packageCode: string, stage: DocumentStage): Promise<string[]> {
  const rows = await sql.query<{ kind: string }>('SELECT kind FROM document_requirements WHERE package_code = $1 AND stage = $2 ORDER BY position', [
    packageCode,
    stage,
  ]);
  return rows.map((row) => row.kind);
}

/**
 * Refuse the stage's command unless every kind its package requires has a document attached to
 * the case at that stage. Called by the handlers after their own state checks and before their
 * first write, inside the command's transaction (the case row is locked, so a document attached
 * meanwhile is either seen or not, never half). An error, not a stored rejection: nothing is
 * written, and the same command id goes through once the documents are attached.
 */
export async function requireDocuments(sql: Pick<Sql, 'query'>, caseId: string, packageCode: string, stage: DocumentStage): Promise<void> {
  const required = await requiredDocuments(sql, packageCode, stage);
  if (required.length === 0) return;
  const attached = await sql.query<{ kind: string }>('SELECT DISTINCT kind FROM case_documents WHERE case_id = $1 AND stage = $2', [caseId, stage]);
  const missing = missingDocuments(
    required,
    attached.map((row) => row.kind),
  );
  if (missing.length === 0) return;
  throw fail(
    'documents-missing',
    `The ${stageWords[stage]} for package ${packageCode} needs ${missing.map(documentKindLabel).join(', ')}: attach ${missing.length === 1 ? 'it' : 'them'} to the case, then send it again.`,
    { stage, packageCode, missing },
  );
}

/** HA sets a package's checklist for one stage, whole (audited with the reason); an empty list clears it. */
export async function setDocumentRequirements(
  context: CommandContext,
  body: CommandBody<'set-document-requirements'>,
): Promise<CommandResult<'set-document-requirements'>> {
  await currentPackage(context, body.packageCode);
  // Lock the package: two checklist changes for it apply one after the other, each seeing the last.
  await context.sql.query('SELECT code FROM packages WHERE code = $1 FOR UPDATE', [body.packageCode]);
  const previous = await requiredDocuments(context.sql, body.packageCode, body.stage);
  await context.sql.query('DELETE FROM document_requirements WHERE package_code = $1 AND stage = $2', [body.packageCode, body.stage]);
  for (const [index, kind] of body.kinds.entries()) {
    await context.sql.query('INSERT INTO document_requirements (package_code, stage, kind, position) VALUES ($1, $2, $3, $4)', [
      body.packageCode,
      body.stage,
      kind,
      index + 1,
    ]);
  }
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'document-requirements-set',
    entityType: 'package',
    entityId: body.packageCode,
    before: { stage: body.stage, kinds: previous },
    after: { stage: body.stage, kinds: body.kinds, reason: body.reason },
    commandId: context.commandId,
  });
  return { packageCode: body.packageCode, stage: body.stage, kinds: [...body.kinds], previous };
}
