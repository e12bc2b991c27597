/**
 * 014 — erase the unkeyed idempotency hashes. Until now `commands.request_hash` was SHA-256 of the
 * command's whole body as sent: the password of every operator created through the API, every
 * one-time code typed at a desk and every enrolled template went into it, so one hash per guess
 * cracked a password from a dump (and a 6-digit code in a million tries). The runner now stores
 * HMAC-SHA256 under the server's key over the canonical body without its secrets (runner.ts).
 *
 * The old hashes cannot be converted: the bodies they were computed over are gone. Keeping them
 * for a "legacy" comparison would keep exactly the crackable values this removes, so they are
 * erased. A repeat of an old command id is then matched on what the row still says — the same
 * command name and the same operator — and gets its first answer, as before; what is lost is only
 * the refusal of a *different* body reusing an old id, which no client sends (ids are UUIDs
 * generated per command), and even then nothing is applied twice.
 *
 * Also: send-otp now calls the SMS gateway after its transaction commits (a hung gateway held the
 * member row locked and froze the family's money decisions); a failed delivery is recorded on the
 * challenge in `sms_failed_at` instead of rolling the request back.
 */
export const sql = /* sql */ `
ALTER TABLE commands ALTER COLUMN request_hash DROP NOT NULL;
UPDATE commands SET request_hash = NULL WHERE request_hash IS NOT NULL;
ALTER TABLE otp_challenges ADD COLUMN IF NOT EXISTS sms_failed_at timestamptz;
COMMENT ON COLUMN commands.request_hash IS 'HMAC-SHA256 (server key) of the command name and canonical body without secrets; NULL for rows from before migration 014';
`;
