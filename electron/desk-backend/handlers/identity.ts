// Finding a member and proving who they are: registry search, one-time codes, fingerprint and face.
import { randomUUID } from 'node:crypto';
import { BiometricIdentity } from '../biometric-identity';
import { ServerCallError } from '../server-client';
import { usableSigner } from '../operator-key';
import { MatchBook } from '../match-evidence';
import { ECardVerifier, isECardText } from '../e-card-scan';
import { isNationalIdQrText, parseNationalIdQr } from '../../../sync-server/node-shared/national-id-qr';
import { lookupKeys, nationalIdLookupText } from '@domain/identifiers';
import type { CommandResultOf } from '../../../sync-server/contract/results';

type ECardIssued = CommandResultOf<'issue-e-card'>;
import { failure, keepFamily, ok, type HandlerModule } from './context';
import { isPrintLanguage } from '../../desk-api/contract';

type IdentityChannel =
  | 'members.identify'
  | 'identity.sendOtp'
  | 'identity.verifyOtp'
  | 'identity.enrolments'
  | 'identity.verifyFingerprint'
  | 'identity.enrollFingerprint'
  | 'identity.verifyFace'
  | 'identity.enrollFace'
  | 'members.issueECard'
  | 'members.eCardFile';

export const identityHandlers: HandlerModule<IdentityChannel> = (desk, { slot, requireMedco, online }) => {
  const biometrics = new BiometricIdentity({
    vault: desk.biometrics,
    reader: () => desk.devices.fingerprintModule(),
    faceMatchThreshold: desk.faceMatchThreshold,
    ...(desk.options.fingerTimeoutMs !== undefined ? { fingerTimeoutMs: desk.options.fingerTimeoutMs } : {}),
    enroll: (name, body) => online(name, body, (result) => ({ enrolledAt: result.enrolledAt })),
    onMatch: (memberId, match) => {
      if (!slot.session) return;
      slot.matches ??= new MatchBook();
      slot.matches.record(memberId, { ...match, operatorId: slot.session.operatorId, capturedAt: new Date().toISOString() });
    },
  });
  const eCards = new ECardVerifier(desk.db);
  return {
    'members.identify': async (asked) => {
      if (!slot.session) return failure('not-signed-in', 'Sign in first.');
      let query = asked;
      // A scanned e-card (issue 16), from the health-card field or a scanner: verified offline
      // first; a genuine one is a search by its scheme id, anything else is refused in words.
      if (query.by !== 'name' && isECardText(query.value)) {
        const check = eCards.verify(query.value);
        if (!check.ok) return failure(`e-card-${check.code}`, check.message);
        query = { by: 'scheme-id', value: check.card.schemeMemberId };
      }
      // A member's other cards (issue 16, "one member, many cards") come through the same field: a
      // national ID's secure QR is read for its issuer and reference (the link was checked when it
      // was made; the lookup only finds the member, identity is proven after as always), and a
      // health-card search that finds no health card tries the linked identifiers.
      const isNationalIdQr = query.by === 'health-card' && isNationalIdQrText(query.value);
      let linkedText: string | null = query.by === 'health-card' ? query.value : null;
      if (isNationalIdQr) {
        const read = parseNationalIdQr(query.value);
        if (!read.ok) return failure('invalid-input', read.message);
        linkedText = nationalIdLookupText(read.qr.issuer, read.qr.fields.ref);
      }
      const hospitalId = slot.session.hospitalId;
      const local = isNationalIdQr ? [] : desk.reads.identify(query);
      if (local.length > 0) return ok({ matches: local, source: 'replica' as const });
      const linked = linkedText !== null ? desk.reads.identifyLinked(linkedText, hospitalId) : [];
      if (linked.length > 0) return ok({ matches: linked, source: 'replica' as const });
      if (query.by === 'name') return ok({ matches: [], source: 'replica' as const });
      const client = desk.client();
      if (!client) return failure('offline-unavailable', 'This desk is not enrolled with a server.');
      // The search carries the operator's proof (issue 13 item 4).
      const usable = usableSigner(slot.signer, new Date());
      if (!usable.ok) return usable;
      const searched = query;
      const lookUp = async (by: 'scheme-id' | 'national-id' | 'health-card' | 'linked-id', value: string) =>
        client.identify(slot.session!.operatorId, by, value, usable.signer.requestProof('identify-member', { by, value }));
      try {
        let answer: Awaited<ReturnType<typeof lookUp>>;
        if (isNationalIdQr && linkedText !== null) answer = await lookUp('linked-id', linkedText);
        else {
          try {
            answer = await lookUp(searched.by, searched.value);
          } catch (error) {
            // No health card by that number: perhaps one of the member's linked cards.
            const isNotFound = error instanceof ServerCallError && error.fault.kind === 'refused' && error.fault.code === 'not-found';
            if (!isNotFound || linkedText === null || lookupKeys(linkedText, hospitalId).length === 0) throw error;
            answer = await lookUp('linked-id', linkedText);
          }
        }
        await desk.engine.requestSync(); // the family has joined this desk's scope: fetch it
        keepFamily(desk, answer.family.familyId);
        return ok({
          matches: desk.reads.identify(
            searched.by === 'health-card' || searched.by === 'national-id' ? { by: 'scheme-id', value: answer.member.schemeMemberId } : searched,
          ),
          source: 'server' as const,
        });
      } catch (error) {
        if (error instanceof ServerCallError) {
          if (error.fault.kind === 'unreachable') {
            return failure(
              'offline-unavailable',
              searched.by === 'national-id'
                ? 'National-ID search needs the server, which cannot be reached. Search by scheme ID, health card, or name and year of birth instead.'
                : "Not in this desk's registry, and the server cannot be reached to look further.",
            );
          }
          return failure(error.fault.kind === 'refused' ? error.fault.code : error.fault.kind, error.fault.message);
        }
        throw error;
      }
    },
    'members.issueECard': async ({ memberId, replaceSerial, reason }) => {
      const refused = requireMedco();
      if (refused) return refused;
      const shape = (card: ECardIssued) => ({
        serial: card.serial,
        memberId: card.memberId,
        schemeMemberId: card.schemeMemberId,
        familyNumber: card.familyNumber,
        name: card.name,
        validFrom: card.validFrom,
        validTo: card.validTo,
        replaces: card.replaces,
      });
      if (replaceSerial === undefined) return online('issue-e-card', { memberId }, shape);
      if (typeof reason !== 'string' || reason.trim().length === 0) return failure('invalid-input', 'Say why the card is replaced (lost, stolen, damaged…).');
      return online('reissue-e-card', { serial: replaceSerial, reason: reason.trim() }, shape);
    },
    'members.eCardFile': async ({ serial, format, language }) => {
      const refused = requireMedco();
      if (refused) return refused;
      if (language !== undefined && !isPrintLanguage(language)) return failure('invalid-input', 'Choose English, Hindi or Marathi for the printed card.');
      if (typeof serial !== 'string' || !/^EC-[0-9]{8,12}$/.test(serial) || (format !== 'pdf' && format !== 'png'))
        return failure('invalid-input', 'Issue the card first: the card serial or the file kind is not valid.');
      const client = desk.client();
      const operatorId = slot.session?.operatorId;
      const offline = 'The card is printed from the server, which cannot be reached now.';
      if (!client || !operatorId) return failure('offline-unavailable', offline);
      const usable = usableSigner(slot.signer, new Date());
      if (!usable.ok) return usable;
      try {
        const file = await client.eCardFile(operatorId, serial, format, usable.signer.requestProof('e-card', { serial }), language);
        return ok({ fileName: `e-card-${serial}.${format}`, mimeType: format === 'pdf' ? 'application/pdf' : 'image/png', base64: file.toString('base64') });
      } catch (error) {
        if (!(error instanceof ServerCallError)) throw error;
        if (error.fault.kind === 'unreachable') return failure('offline-unavailable', offline);
        return failure(error.fault.kind === 'refused' ? error.fault.code : 'bad-answer', error.fault.message);
      }
    },
    'identity.sendOtp': async ({ memberId, isForRelative }) => {
      const refused = requireMedco();
      if (refused) return refused;
      return online(
        'send-otp',
        { challengeId: randomUUID(), memberId, ...(isForRelative !== undefined ? { isForRelative } : {}) },
        ({ challengeId, phoneEnding, expiresAt }) => ({ challengeId, phoneEnding, expiresAt }),
      );
    },
    'identity.verifyOtp': async ({ challengeId, code }) => {
      const refused = requireMedco();
      if (refused) return refused;
      return online('verify-otp', { challengeId, code }, (result) =>
        result.verified
          ? { verified: true, reason: null, attemptsLeft: null, lockedUntil: null, message: null }
          : {
              verified: false,
              reason: result.reason,
              attemptsLeft: 'attemptsLeft' in result ? result.attemptsLeft : null,
              lockedUntil: 'lockedUntil' in result ? result.lockedUntil : null,
              message: result.message,
            },
      );
    },
    'identity.enrolments': async ({ memberId }) => requireMedco() ?? biometrics.enrolments(memberId),
    'identity.verifyFingerprint': async ({ memberId }) => requireMedco() ?? biometrics.verifyFingerprint(memberId),
    'identity.enrollFingerprint': async ({ memberId, caseId, otpChallengeId }) =>
      requireMedco() ?? biometrics.enrollFingerprint({ memberId, caseId, otpChallengeId }),
    'identity.verifyFace': async ({ memberId, descriptor, liveness }) => requireMedco() ?? biometrics.verifyFace(memberId, descriptor, liveness),
    'identity.enrollFace': async ({ memberId, caseId, otpChallengeId, descriptor }) =>
      requireMedco() ?? biometrics.enrollFace({ memberId, caseId, otpChallengeId }, descriptor),
  };
};
