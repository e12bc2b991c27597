import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eCardPrefix, eCardPrivateKey, eCardPublicKey, generateECardKeys, signECard, verifyECard, type ECardFields } from './e-card';

const keys = generateECardKeys();
const privateKey = eCardPrivateKey(keys.privateKeyPem);
const publicKeys = new Map([['2026a', eCardPublicKey(keys.publicKeyPem)]]);
const card: ECardFields = {
  serial: 'EC-000123',
  schemeMemberId: 'PMJ-S1000001',
  familyNumber: 'FAM-S1-0001',
  name: 'Ramesh Patil',
  validFrom: '2026-04-01',
  validTo: '2027-03-31',
};
const noneRevoked = new Set<string>();

describe('the e-card QR payload, signed by the scheme, verified offline', () => {
  it('a genuine card verifies with the key it names, and is short enough for a QR code', () => {
    const text = signECard(card, '2026a', privateKey);
    expect(text.startsWith(`${eCardPrefix}.2026a.`)).toBe(true);
    expect(text.length).toBeLessThanOrEqual(251); // QR version 11, error correction M, byte mode
    expect(signECard({ ...card, name: 'Venkata Lakshmi Narasimha Subrahmanya Sri Sai Ramachandra Murthy' }, '2026a', privateKey).length).toBeLessThanOrEqual(
      331,
    ); // version 13
    expect(verifyECard(text, publicKeys, '2026-12-06', noneRevoked)).toEqual({ ok: true, card, keyId: '2026a' });
  });

  it('attack: an altered name or member id is refused (the signature covers the contents)', () => {
    const text = signECard(card, '2026a', privateKey);
    const [prefix, kid, , signature] = text.split('.');
    const original = JSON.parse(Buffer.from(text.split('.')[2]!, 'base64url').toString('utf8')) as Record<string, string>;
    const altered = Buffer.from(JSON.stringify({ ...original, m: 'PMJ-S1000002' })).toString('base64url');
    expect(verifyECard([prefix, kid, altered, signature].join('.'), publicKeys, '2026-12-06', noneRevoked)).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('attack: a card forged with another key, even under the scheme key id, is refused', () => {
    const forger = generateKeyPairSync('ed25519').privateKey;
    expect(verifyECard(signECard(card, '2026a', forger), publicKeys, '2026-12-06', noneRevoked)).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(verifyECard(signECard(card, 'other', forger), publicKeys, '2026-12-06', noneRevoked)).toMatchObject({
      ok: false,
      code: 'unknown-key',
      message: expect.stringContaining('sync the desk'),
    });
  });

  it('attack: relabelling a genuine card to another known key fails (the key id is signed)', () => {
    const second = generateECardKeys();
    const both = new Map([...publicKeys, ['2027a', eCardPublicKey(second.publicKeyPem)]]);
    const text = signECard(card, '2026a', privateKey).replace('.2026a.', '.2027a.');
    expect(verifyECard(text, both, '2026-12-06', noneRevoked)).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('refuses an expired, a not-yet-valid and a revoked card, each in words', () => {
    const text = signECard(card, '2026a', privateKey);
    expect(verifyECard(text, publicKeys, '2027-04-01', noneRevoked)).toMatchObject({
      ok: false,
      code: 'expired',
      message: expect.stringContaining('2027-03-31'),
    });
    expect(verifyECard(text, publicKeys, '2026-03-31', noneRevoked)).toMatchObject({ ok: false, code: 'not-yet-valid' });
    expect(verifyECard(text, publicKeys, '2026-12-06', new Set(['EC-000123']))).toMatchObject({
      ok: false,
      code: 'revoked',
      message: expect.stringContaining('EC-000123'),
    });
  });

  it('with a range of possible days (a desk without the scheme time zone), refuses only what is invalid on every one of them', () => {
    const text = signECard(card, '2026a', privateKey);
    // Issued on 1 April in the scheme's zone, scanned where it is still 31 March: accepted.
    expect(verifyECard(text, publicKeys, { earliest: '2026-03-30', latest: '2026-04-01' }, noneRevoked)).toMatchObject({ ok: true });
    expect(verifyECard(text, publicKeys, { earliest: '2026-03-30', latest: '2026-03-31' }, noneRevoked)).toMatchObject({ ok: false, code: 'not-yet-valid' });
    expect(verifyECard(text, publicKeys, { earliest: '2027-03-31', latest: '2027-04-01' }, noneRevoked)).toMatchObject({ ok: true });
    expect(verifyECard(text, publicKeys, { earliest: '2027-04-01', latest: '2027-04-02' }, noneRevoked)).toMatchObject({ ok: false, code: 'expired' });
  });

  it('refuses what is not a card at all', () => {
    for (const text of [
      '',
      'HC-S1-0001',
      'CDC1.2026a.abc',
      'CDC2.2026a.abc.def',
      'CDC1.2026a.a+b.def',
      `CDC1.2026a.${Buffer.from('not json').toString('base64url')}.AAAA`,
    ]) {
      expect(verifyECard(text, publicKeys, '2026-12-06', noneRevoked).ok, text).toBe(false);
    }
  });

  it('will not sign an incomplete card, a reversed validity or a bad key id, nor take a key of another kind', () => {
    expect(() => signECard({ ...card, name: '' }, '2026a', privateKey)).toThrow(/needs name/);
    expect(() => signECard({ ...card, validTo: '2026-01-01' }, '2026a', privateKey)).toThrow(RangeError);
    expect(() => signECard(card, 'key.with.dots', privateKey)).toThrow(RangeError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => eCardPrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/Ed25519/);
  });
});
