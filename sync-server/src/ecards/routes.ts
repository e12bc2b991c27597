import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PrintLanguageQuery, type PrintLanguage } from '../print/print-language';
import { eCardSerialPattern } from '@contract/commands';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { bearer, errorResponses } from '../http/answers';
import type { OperatorAuthentication } from '../http/authentication';
import type { Principal } from '../auth/tokens';
import { isFamilyInReach } from '../identity/reach';
import { renderECardPdf, renderECardPng, type PrintedECard } from './card-render';

export interface ECardRouteDeps {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
}

const SerialParams = Type.Object({ serial: Type.String({ pattern: eCardSerialPattern }) }, { additionalProperties: false });

/**
 * One issued card to print or show, for the roles that issue cards (MEDCO within its hospital's
 * reach, HA). A revoked card is not printed again: its replacement is.
 */
export async function printedECard(db: Database, principal: Principal, serial: string): Promise<PrintedECard> {
  if (!principal.roles.some((role) => role === 'MEDCO' || role === 'HA')) throw fail('forbidden-role', 'Only desk operators (MEDCO) and HA print e-cards.');
  const [card] = await db.query<PrintedECard & { familyId: string; revokedAt: string | null }>(
    `SELECT e.serial, s.name AS "schemeName", m.full_name AS name, m.scheme_member_id AS "schemeMemberId", f.family_number AS "familyNumber",
            e.valid_from::text AS "validFrom", e.valid_to::text AS "validTo", e.qr_text AS "qrText", e.family_id AS "familyId", e.revoked_at::text AS "revokedAt"
       FROM e_cards e JOIN members m ON m.id = e.member_id JOIN families f ON f.id = e.family_id JOIN schemes s ON s.is_current
      WHERE e.serial = $1`,
    [serial],
  );
  if (!card || !(await isFamilyInReach(db, principal.hospitalId, card.familyId)))
    throw fail('not-found', `There is no e-card ${serial} your hospital serves: check the serial, or issue the member a card.`);
  if (card.revokedAt) throw fail('not-found', `The e-card ${serial} was revoked: print the member's new card instead.`);
  return {
    serial: card.serial,
    schemeName: card.schemeName,
    name: card.name,
    schemeMemberId: card.schemeMemberId,
    familyNumber: card.familyNumber,
    validFrom: card.validFrom,
    validTo: card.validTo,
    qrText: card.qrText,
  };
}

/** The e-card as a PDF at ID-1 size and as a PNG for phones (issue 16). Register inside a signed-in scope. */
export async function eCardRoutes(app: FastifyInstance, deps: ECardRouteDeps): Promise<void> {
  const principalOf = deps.auth.principalOf;
  app.get(
    '/e-cards/:serial/card.pdf',
    {
      schema: {
        tags: ['reads'],
        summary: "A member's e-card as a one-page PDF at ID-1 card size (85.60 × 53.98 mm) to print (application/pdf; MEDCO within reach, HA)",
        security: bearer,
        params: SerialParams,
        querystring: Type.Object({ language: PrintLanguageQuery }, { additionalProperties: false }),
        response: { 200: Type.String({ format: 'binary', description: 'application/pdf' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const card = await printedECard(deps.db, principalOf(request), (request.params as { serial: string }).serial);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="e-card-${card.serial}.pdf"`)
        .send(await renderECardPdf(card, (request.query as { language?: PrintLanguage }).language));
    },
  );
  app.get(
    '/e-cards/:serial/card.png',
    {
      schema: {
        tags: ['reads'],
        summary: "A member's e-card QR as a PNG for a phone to show at the desk (image/png; MEDCO within reach, HA)",
        security: bearer,
        params: SerialParams,
        response: { 200: Type.String({ format: 'binary', description: 'image/png' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const card = await printedECard(deps.db, principalOf(request), (request.params as { serial: string }).serial);
      return reply
        .type('image/png')
        .header('content-disposition', `inline; filename="e-card-${card.serial}.png"`)
        .send(await renderECardPng(card));
    },
  );
}
