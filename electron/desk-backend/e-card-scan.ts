import type { KeyObject } from 'node:crypto';
import { eCardPrefix, eCardPublicKey, verifyECard, type ECardCheck } from '../../sync-server/node-shared/e-card';
import type { ReplicaDatabase } from './database';

/**
 * A scanned member e-card (issue 16), verified offline: against the scheme's public keys and the
 * revoked serials this desk last pulled (replica migration 10, applier.ts), on the calendar days
 * it may be (deskDays). The scan arrives through the same path as a health-card number (the find screen's
 * field, typed by a keyboard-wedge scanner, or a serial/HID scanner's line): any text that starts
 * with the card format's prefix is treated as an e-card, never searched as a card number.
 */
export function isECardText(text: string): boolean {
  return text.trim().startsWith(`${eCardPrefix}.`);
}

/**
 * The calendar days it may be now anywhere (UTC−12 to UTC+14), as YYYY-MM-DD. A card's validity
 * is in the scheme's days, and the desk does not know the scheme's time zone: a card issued just
 * after midnight in the scheme's zone would otherwise read as "not yet valid" on a desk whose clock
 * is still on the day before (seen at 00:00 in India, 18:30 UTC). So the desk allows at most a
 * day's leeway at either end, and never refuses a card the scheme holds valid.
 */
export function deskDays(now: Date): { earliest: string; latest: string } {
  const day = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  return { earliest: day('Etc/GMT+12'), latest: day('Etc/GMT-14') };
}

export class ECardVerifier {
  private cachedKeys: { count: number; keys: Map<string, KeyObject> } | null = null;

  constructor(private readonly db: ReplicaDatabase) {}

  verify(text: string, now: Date = new Date()): ECardCheck {
    const revoked = new Set((this.db.prepare('SELECT serial FROM e_card_revocations').all() as { serial: string }[]).map((row) => row.serial));
    return verifyECard(text, this.keys(), deskDays(now), revoked);
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
