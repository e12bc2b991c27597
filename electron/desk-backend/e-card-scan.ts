import type { KeyObject } from 'node:crypto';
import { eCardPrefix, eCardPublicKey, verifyECard, type ECardCheck } from '../../sync-server/node-shared/e-card';
import type { ReplicaDatabase } from './database';

/**
 * A scanned member e-card (issue 16), verified offline: against the scheme's public keys and the
 * revoked serials this desk last pulled (replica migration 10, applier.ts), on the desk's own
 * calendar day. The scan arrives through the same path as a health-card number (the find screen's
 * field, typed by a keyboard-wedge scanner, or a serial/HID scanner's line): any text that starts
 * with the card format's prefix is treated as an e-card, never searched as a card number.
 */
export function isECardText(text: string): boolean {
  return text.trim().startsWith(`${eCardPrefix}.`);
}

/** The desk's calendar day as YYYY-MM-DD (the machine's time zone: desks stand in the scheme's country). */
export function deskDay(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export class ECardVerifier {
  private cachedKeys: { count: number; keys: Map<string, KeyObject> } | null = null;

  constructor(private readonly db: ReplicaDatabase) {}

  verify(text: string, now: Date = new Date()): ECardCheck {
    const revoked = new Set((this.db.prepare('SELECT serial FROM e_card_revocations').all() as { serial: string }[]).map((row) => row.serial));
    return verifyECard(text, this.keys(), deskDay(now), revoked);
  }

  /** The pulled keys, parsed once per change (a key is never removed, only added). A key that does not parse verifies nothing. */
  private keys(): Map<string, KeyObject> {
    const rows = this.db.prepare('SELECT key_id, public_key FROM e_card_keys ORDER BY key_id').all() as { key_id: string; public_key: string }[];
    if (this.cachedKeys?.count === rows.length) return this.cachedKeys.keys;
    const keys = new Map<string, KeyObject>();
    for (const row of rows) {
      try {
        keys.set(row.key_id, eCardPublicKey(row.public_key));
      } catch {
        // Left out: a card signed with it is refused as signed by an unknown key.
      }
    }
    this.cachedKeys = { count: rows.length, keys };
    return keys;
  }
}
