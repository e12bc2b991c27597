import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import type { SmsGateway } from '../identity/sms';
import { renderECardPdf, renderECardPng } from '../ecards/card-render';
import {
  beneficiaryKey,
  beneficiaryLimits,
  endSession,
  normalizeSchemeId,
  schemeIdPattern,
  sendSignInCode,
  sessionOf,
  signInWithCode,
  type BeneficiaryAuthDeps,
  type BeneficiaryLimits,
} from './beneficiary-auth';
import { codePage, pageStyle, problemPage, recordPage, signInPage, throttledPage } from './beneficiary-html';
import { familyRecord } from './beneficiary-record';

export interface BeneficiaryPageOptions {
  readonly db: Database;
  /** The server's national-id key: the page's hashing key is derived from it (beneficiaryKey). */
  readonly serverKey: Buffer;
  readonly sms: SmsGateway;
  readonly now: () => Date;
  /** TLS is in front of the server (HSTS configured): the cookie is then Secure whatever the hop says. */
  readonly isTlsInFront: boolean;
  readonly limits?: BeneficiaryLimits;
}

const cookieName = 'coverdesk_member';
/** Nothing but this server's own stylesheet: no script, no frame, no other origin, forms post here only. */
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function cookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === cookieName) return rest.join('=');
  }
  return undefined;
}

/**
 * The beneficiary page (issue 16): `/me`, a public page for members, served by the sync server as
 * plain HTML with one stylesheet. Sign in with the scheme id and a code sent to the family's
 * registered phone (beneficiary-auth.ts); a session cookie (HttpOnly, SameSite=Strict, Secure over
 * TLS, 15 minutes, path /me) then shows the family's cover, accumulators, cases, who looked at
 * their past treatment, and the member's e-card. Nothing is shown before the code.
 *
 * A Fastify plugin (encapsulated): its form-body parser applies to these routes only.
 */
export async function beneficiaryPage(app: FastifyInstance, options: BeneficiaryPageOptions): Promise<void> {
  const deps: BeneficiaryAuthDeps = {
    db: options.db,
    key: beneficiaryKey(options.serverKey),
    sms: options.sms,
    now: options.now,
    limits: options.limits ?? beneficiaryLimits,
  };
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body: string, done) => {
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(body)) {
      if (name in fields) {
        done(fail('duplicate-key', `The form sent ${name} twice.`));
        return;
      }
      fields[name] = value;
    }
    done(null, fields);
  });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('content-security-policy', contentSecurityPolicy);
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-frame-options', 'DENY');
  });
  const html = (reply: FastifyReply, status: number, page: string) => reply.status(status).type('text/html; charset=utf-8').send(page);
  const isSecure = (request: FastifyRequest) => options.isTlsInFront || request.protocol === 'https';
  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) =>
    reply.header('set-cookie', `${cookieName}=${value}; Path=/me; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${isSecure(request) ? '; Secure' : ''}`);
  const formOf = (request: FastifyRequest): Record<string, string> =>
    typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, string>) : {};
  const noQuery = (request: FastifyRequest) => {
    if (request.url.includes('?')) throw fail('invalid-input', 'This page takes no parameters in its address.');
  };
  const schemeIdOf = (reply: FastifyReply, typed: string | undefined): string | null => {
    const schemeId = normalizeSchemeId(typed ?? '');
    if (schemeIdPattern.test(schemeId)) return schemeId;
    void html(reply, 400, signInPage('Enter your scheme ID as printed on your card, for example PMJ-S1000001.', true));
    return null;
  };

  app.get('/me/style.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(pageStyle),
  );

  app.get('/me', { schema: { hide: true } }, async (request, reply) => {
    noQuery(request);
    const session = await sessionOf(deps, cookieOf(request));
    if (!session) return html(reply, 200, signInPage());
    return html(reply, 200, recordPage(await familyRecord(options.db, session), session.expiresAt));
  });

  app.post('/me/code', { schema: { hide: true } }, async (request, reply) => {
    const schemeId = schemeIdOf(reply, formOf(request).schemeId);
    if (schemeId === null) return reply;
    const refused = await sendSignInCode(deps, schemeId, request.ip);
    if (refused) return html(reply.header('retry-after', String(refused.retryAfterSeconds)), 429, throttledPage(refused.retryAfterSeconds));
    // The same page whether the scheme id exists or not.
    return html(reply, 200, codePage(schemeId));
  });

  app.post('/me/sign-in', { schema: { hide: true } }, async (request, reply) => {
    const form = formOf(request);
    const schemeId = schemeIdOf(reply, form.schemeId);
    if (schemeId === null) return reply;
    const code = (form.code ?? '').trim();
    if (!/^[0-9]{6}$/.test(code)) return html(reply, 400, codePage(schemeId, 'The code is the 6 digits in the SMS.', true));
    const outcome = await signInWithCode(deps, schemeId, code, request.ip);
    switch (outcome.kind) {
      case 'throttled':
        return html(reply.header('retry-after', String(outcome.retryAfterSeconds)), 429, throttledPage(outcome.retryAfterSeconds));
      case 'wrong':
        return html(
          reply,
          401,
          codePage(schemeId, 'The scheme ID or the code is not right, or the code has expired or was used. Check the SMS, or send a new code.', true),
        );
      case 'signed-in':
        setCookie(request, reply, outcome.cookie, Math.round((outcome.expiresAt.getTime() - options.now().getTime()) / 1000));
        return reply.status(303).header('location', '/me').send();
    }
  });

  app.post('/me/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const cookie = cookieOf(request);
    if (cookie) await endSession(deps, cookie);
    setCookie(request, reply, '', 0);
    return html(reply, 200, signInPage('You are signed out.'));
  });

  for (const format of ['pdf', 'png'] as const) {
    app.get(`/me/e-card.${format}`, { schema: { hide: true } }, async (request, reply) => {
      noQuery(request);
      const session = await sessionOf(deps, cookieOf(request));
      if (!session) return html(reply, 401, signInPage('Sign in to download your e-card.', true));
      // The session's own member, never one the browser names.
      const [card] = await options.db.query<{
        serial: string;
        scheme_name: string;
        name: string;
        scheme_member_id: string;
        family_number: string;
        valid_from: string;
        valid_to: string;
        qr_text: string;
      }>(
        `SELECT e.serial, s.name AS scheme_name, m.full_name AS name, m.scheme_member_id, f.family_number,
                e.valid_from::text AS valid_from, e.valid_to::text AS valid_to, e.qr_text
           FROM e_cards e JOIN members m ON m.id = e.member_id JOIN families f ON f.id = e.family_id JOIN schemes s ON s.is_current
          WHERE e.member_id = $1 AND e.revoked_at IS NULL`,
        [session.memberId],
      );
      if (!card) return html(reply, 404, problemPage('No e-card has been issued to you yet: any hospital desk can issue one.'));
      const printed = {
        serial: card.serial,
        schemeName: card.scheme_name,
        name: card.name,
        schemeMemberId: card.scheme_member_id,
        familyNumber: card.family_number,
        validFrom: card.valid_from,
        validTo: card.valid_to,
        qrText: card.qr_text,
      };
      return reply
        .type(format === 'pdf' ? 'application/pdf' : 'image/png')
        .header('content-disposition', `attachment; filename="e-card-${card.serial}.${format}"`)
        .send(format === 'pdf' ? await renderECardPdf(printed) : await renderECardPng(printed));
    });
  }
}
