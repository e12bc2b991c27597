/**
 * 022 — sign-in safety (issue 13 item 7, src/auth/sign-in.ts). `tokens_valid_after`: tokens issued
 * before it are refused (sign-out, deactivation). `login_throttle`: failed sign-ins per account and
 * per address in a 15-minute window, shared by every server process; a key past its limit is
 * locked until `locked_until`.
 */
export const sql = /* sql */ `
ALTER TABLE operators ADD COLUMN tokens_valid_after timestamptz;
CREATE TABLE login_throttle (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_started timestamptz NOT NULL,
  locked_until timestamptz
);
`;
