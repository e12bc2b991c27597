import { createHash, randomBytes } from 'node:crypto';
import type { BiometricModality } from '@contract/sync';
import {
  biometricTransportKey,
  bytesToDescriptor,
  descriptorToBytes,
  openBiometric as open,
  sealBiometric as seal,
} from '../../sync-server/node-shared/biometric-seal';
import type { ReplicaDatabase, SqlStatement } from './database';
import type { SecretStore } from './secret-store';

/**
 * The desk's biometric cache: the enrolments of the members it serves, so fingerprint and face
 * verification work offline.
 *
 * - At rest every template and descriptor is sealed (AES-256-GCM, member and modality as
 *   additional data) with the desk's own 32-byte key, which lives where the desk credential lives:
 *   Electron's safeStorage (OS keychain) through the main process, or an owner-only file in
 *   browser mode. A copied replica file is useless without it.
 * - From the server they arrive sealed for this desk (see biometricTransportInfo in the sync
 *   contract): opened here with the key derived from the desk credential, resealed at once.
 * - Plaintext exists only in memory, for one verification, and is zeroed after use. Nothing here
 *   logs; callers never put it in an error or an answer.
 *
 * The sealing format is the server's own, from sync-server/node-shared/biometric-seal.ts (Node
 * code shared by the server and the desk backend), so the two cannot drift apart.
 */

/** `deskId.secret` → the key the server derives from its SHA-256 verifier of the secret. */
export function transportKeyOf(credential: string): Buffer | null {
  const dot = credential.indexOf('.');
  if (dot <= 0) return null;
  return biometricTransportKey(
    credential.slice(0, dot),
    createHash('sha256')
      .update(credential.slice(dot + 1))
      .digest(),
  );
}

export { bytesToDescriptor, descriptorToBytes };

export interface CachedEnrolment {
  readonly plaintext: Buffer;
  readonly enrolledAt: string;
  /** The server's enrolment id (the pulled document's), null until the pull brings it for one enrolled here. */
  readonly enrolmentId: string | null;
}

/** A cached enrolment that does not open with this desk's key. */
export class UnreadableEnrolmentError extends Error {}

export class BiometricVault {
  private key: Buffer | null = null;
  private transport: { readonly credential: string; readonly key: Buffer | null } | null = null;
  private readonly statements: { readonly upsert: SqlStatement; readonly read: SqlStatement; readonly enrolled: SqlStatement };

  constructor(
    private readonly db: ReplicaDatabase,
    private readonly keyStore: SecretStore,
    private readonly credential: () => string | null,
  ) {
    this.statements = {
      upsert: db.prepare(
        'INSERT INTO biometric_enrolments (member_id, modality, sealed, enrolled_at, enrolment_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_id, modality) DO UPDATE SET sealed = excluded.sealed, enrolled_at = excluded.enrolled_at, enrolment_id = excluded.enrolment_id',
      ),
      read: db.prepare('SELECT sealed, enrolled_at AS enrolledAt, enrolment_id AS enrolmentId FROM biometric_enrolments WHERE member_id = ? AND modality = ?'),
      enrolled: db.prepare('SELECT modality, enrolled_at AS enrolledAt FROM biometric_enrolments WHERE member_id = ?'),
    };
  }

  /** The transport key of the desk's current credential, derived once per credential. */
  private transportKey(): Buffer | null {
    const credential = this.credential();
    if (!credential) return null;
    if (this.transport?.credential !== credential) this.transport = { credential, key: transportKeyOf(credential) };
    return this.transport.key;
  }

  /** The desk's at-rest key, created on first use and kept in the key store. */
  private atRestKey(): Buffer {
    if (this.key) return this.key;
    let stored = this.keyStore.read();
    if (!stored) {
      stored = randomBytes(32).toString('base64');
      this.keyStore.write(stored);
    }
    const key = Buffer.from(stored, 'base64');
    if (key.length !== 32) throw new Error("The desk's biometric key is damaged; restart the desk to replace it and pull the enrolments again.");
    this.key = key;
    return key;
  }

  /** Caches an enrolment this desk captured and the server accepted (its id comes with the next pull), or one pulled. */
  store(memberId: string, modality: BiometricModality, plaintext: Uint8Array, enrolledAt: string, enrolmentId: string | null = null): void {
    this.statements.upsert.run(memberId, modality, seal(this.atRestKey(), memberId, modality, plaintext), enrolledAt, enrolmentId);
  }

  /**
   * Caches an enrolment from the pull feed (called inside the applier's transaction). A row that
   * does not open with this desk's transport key is refused: the whole page rolls back and the
   * sync engine reports it, rather than cache something that cannot be trusted.
   */
  storeFromServer(row: Record<string, unknown>): void {
    const memberId = typeof row.memberId === 'string' ? row.memberId : null;
    const modality = row.modality === 'fingerprint' || row.modality === 'face' ? row.modality : null;
    const sealedForDesk = typeof row.sealedForDesk === 'string' ? row.sealedForDesk : null;
    const transportKey = this.transportKey();
    if (!memberId || !modality || !sealedForDesk || !transportKey)
      throw new Error('A biometric enrolment from the server is incomplete or this desk has no credential to open it.');
    const plaintext = open(transportKey, memberId, modality, sealedForDesk);
    try {
      this.store(
        memberId,
        modality,
        plaintext,
        typeof row.enrolledAt === 'string' ? row.enrolledAt : new Date().toISOString(),
        typeof row.id === 'string' ? row.id : null,
      );
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * The plaintext for one verification; the caller zeroes it when done. Throws
   * UnreadableEnrolmentError when the cached value does not open (its key changed, or the row was
   * altered).
   */
  read(memberId: string, modality: BiometricModality): CachedEnrolment | null {
    const row = this.statements.read.get(memberId, modality) as { sealed: string; enrolledAt: string; enrolmentId: string | null } | undefined;
    if (!row) return null;
    try {
      return { plaintext: open(this.atRestKey(), memberId, modality, row.sealed), enrolledAt: row.enrolledAt, enrolmentId: row.enrolmentId };
    } catch (error) {
      throw new UnreadableEnrolmentError(error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * At start-up: enrolments this desk can no longer open — its key lost, damaged or replaced (a
   * restored backup, a reinstalled OS keychain) — are dropped and the whole scope is pulled again,
   * so they come back from the server sealed with the current key. A desk that had synced stays
   * out of first-sync mode. Returns how many cached enrolments were dropped.
   */
  recoverUnreadable(): number {
    const stored = this.keyStore.read();
    if (stored !== null && Buffer.from(stored, 'base64').length !== 32) {
      this.keyStore.write(randomBytes(32).toString('base64'));
      this.key = null;
    }
    const sample = this.db.prepare('SELECT member_id AS memberId, modality FROM biometric_enrolments LIMIT 1').get() as
      { memberId: string; modality: BiometricModality } | undefined;
    if (!sample) return 0;
    try {
      this.read(sample.memberId, sample.modality)?.plaintext.fill(0);
      return 0;
    } catch (error) {
      if (!(error instanceof UnreadableEnrolmentError)) throw error;
    }
    return this.db.transaction(() => {
      const dropped = this.db.prepare('DELETE FROM biometric_enrolments').run().changes;
      this.db
        .prepare(
          "INSERT INTO meta (key, value) SELECT 'first_sync', 'done' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'pull_checkpoint') ON CONFLICT (key) DO NOTHING",
        )
        .run();
      this.db.prepare("DELETE FROM meta WHERE key = 'pull_checkpoint'").run();
      return dropped;
    })();
  }

  enrolled(memberId: string): { fingerprint: string | null; face: string | null } {
    const rows = this.statements.enrolled.all(memberId) as { modality: BiometricModality; enrolledAt: string }[];
    return {
      fingerprint: rows.find((row) => row.modality === 'fingerprint')?.enrolledAt ?? null,
      face: rows.find((row) => row.modality === 'face')?.enrolledAt ?? null,
    };
  }
}
