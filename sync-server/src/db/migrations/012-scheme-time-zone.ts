/**
 * 012 — the scheme's time zone: dates people read (a payment reference's date) are the scheme's
 * local dates, not UTC (a payment at 01:00 IST carried the previous day). The demo scheme is Indian.
 */
export const sql = /* sql */ `
ALTER TABLE schemes ADD COLUMN time_zone text NOT NULL DEFAULT 'Asia/Kolkata';
`;
