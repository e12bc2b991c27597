import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import { formatAmount } from '@domain/money';
import type { FamilyRecord } from './beneficiary-record';

/**
 * The beneficiary page's HTML: rendered on the server, one small stylesheet from the same server,
 * no script, no web font, no CDN — it works on any phone browser, and the page's CSP allows
 * nothing else. Every value from the database goes through `escape`.
 */
export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
}

export const pageStyle = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f6f8}
header{background:#0b4f6c;color:#fff;padding:.75rem 1rem}
header h1{font-size:1.15rem;margin:0}
main{max-width:46rem;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:.5rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.table-scroll{overflow-x:auto}
h2{font-size:1.05rem;margin:0 0 .5rem}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
input{width:100%;font-size:1.1rem;padding:.6rem;border:1px solid #8a96a3;border-radius:.35rem}
button,.button{display:inline-block;margin-top:.75rem;font-size:1rem;padding:.6rem 1rem;border:0;border-radius:.35rem;background:#0b4f6c;color:#fff;text-decoration:none}
button.secondary{background:#e7ecf0;color:#1b1f24}
.notice{padding:.6rem .75rem;border-radius:.35rem;background:#fff6dd;border:1px solid #e8c66a}
.error{background:#fde8e8;border-color:#e29a9a}
.figures{display:grid;grid-template-columns:repeat(3,1fr);gap:.5rem;margin:0}
.figures div{background:#f4f6f8;border-radius:.35rem;padding:.5rem}
.figures dt{font-size:.8rem;color:#4a5561}.figures dd{margin:0;font-weight:700}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;padding:.35rem .25rem;border-bottom:1px solid #e1e6ea;vertical-align:top}
.muted{color:#4a5561;font-size:.85rem}
@media (max-width:30rem){.figures{grid-template-columns:1fr}table{font-size:.85rem}}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escape(title)}</title>
<link rel="stylesheet" href="/me/style.css">
</head>
<body>
<header><h1>My scheme record</h1></header>
<main>
${body}
</main>
</body>
</html>
`;
}

const notice = (message: string | null, isError = false) =>
  message ? `<p class="notice${isError ? ' error' : ''}" role="${isError ? 'alert' : 'status'}">${escape(message)}</p>` : '';

export function signInPage(message: string | null = null, isError = false): string {
  return layout(
    'Sign in — my scheme record',
    `<section>
<h2>Sign in</h2>
${notice(message, isError)}
<p>Enter the scheme ID printed on your health card or e-card. A one-time code is sent by SMS to your family's registered phone.</p>
<form method="post" action="/me/code">
<label for="scheme-id">Scheme ID</label>
<input id="scheme-id" name="schemeId" autocomplete="username" autocapitalize="characters" required maxlength="40" placeholder="PMJ-S1000001">
<button type="submit">Send me a code</button>
</form>
</section>`,
  );
}

export function codePage(schemeId: string, message: string | null = null, isError = false): string {
  return layout(
    'Enter your code — my scheme record',
    `<section>
<h2>Enter your code</h2>
${notice(message ?? "If this scheme ID is registered, a code was sent by SMS to the family's registered phone. It is valid for 10 minutes.", isError)}
<form method="post" action="/me/sign-in">
<input type="hidden" name="schemeId" value="${escape(schemeId)}">
<p>Scheme ID: <strong>${escape(schemeId)}</strong></p>
<label for="code">Code from the SMS</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/me/code">
<input type="hidden" name="schemeId" value="${escape(schemeId)}">
<button type="submit" class="secondary">Send a new code</button>
</form>
</section>`,
  );
}

export function throttledPage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return layout(
    'Too many attempts — my scheme record',
    `<section>
<h2>Too many attempts</h2>
${notice(`Too many codes or wrong codes for this scheme ID or from this connection. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, true)}
<a class="button" href="/me">Back</a>
</section>`,
  );
}

export function problemPage(message: string): string {
  return layout('My scheme record', `<section>${notice(message, true)}<a class="button" href="/me">Back</a></section>`);
}

function accumulatorRows(accumulators: AccumulatorEnquiryValue, memberId: string | null, money: (minor: number | null) => string): string {
  const rows = accumulators.benefitBalance.filter((balance) => balance.memberId === memberId);
  if (rows.length === 0) return '';
  const words = { deductible: 'Deductible', 'out-of-pocket-maximum': 'Out of pocket', benefit: 'Plan paid' } as const;
  return rows
    .map(
      (balance) =>
        `<tr><td>${words[balance.type]} (${balance.category})</td><td>${money(balance.used)}</td><td>${money(balance.allowed)}</td><td>${money(balance.remaining)}</td></tr>`,
    )
    .join('\n');
}

export function recordPage(record: FamilyRecord, expiresAt: Date): string {
  const { scheme } = record;
  const money = (minor: number | null) => (minor === null ? '—' : escape(formatAmount(minor, scheme.currency, scheme.locale, scheme.minorPerUnit)));
  const when = (time: Date) =>
    escape(new Intl.DateTimeFormat(scheme.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: scheme.timeZone }).format(time));
  const day = (time: Date) => escape(new Intl.DateTimeFormat(scheme.locale, { dateStyle: 'medium', timeZone: scheme.timeZone }).format(time));
  const me = record.members.find((member) => member.memberId === record.signedInMemberId);
  const accumulators = record.accumulators.hasCostSharing
    ? `<div class="table-scroll" role="region" aria-label="Accumulators, scrolls sideways" tabindex="0"><table aria-label="Accumulators"><thead><tr><th>Member / accumulator</th><th>Used</th><th>Allowed</th><th>Left</th></tr></thead><tbody>
<tr><th colspan="4">Family</th></tr>
${accumulatorRows(record.accumulators, null, money)}
${record.members.map((member) => `<tr><th colspan="4">${escape(member.fullName)}</th></tr>\n${accumulatorRows(record.accumulators, member.memberId, money)}`).join('\n')}
</tbody></table></div>`
    : `<p>Your family's plan has no deductible, co-insurance or out-of-pocket limits: the cover pays, nothing accumulates.</p>`;
  const cases =
    record.cases.length === 0
      ? '<p>No hospital cases yet.</p>'
      : `<div class="table-scroll" role="region" aria-label="Cases, scrolls sideways" tabindex="0"><table aria-label="Cases"><thead><tr><th>Admitted</th><th>Who</th><th>Hospital</th><th>Treatment</th><th>Status</th><th>Claim</th></tr></thead><tbody>
${record.cases
  .map(
    (c) =>
      `<tr><td>${day(c.admittedAt)}${c.dischargedAt ? ` – ${day(c.dischargedAt)}` : ''}</td><td>${escape(c.memberName)}</td><td>${escape(c.hospitalName)}</td><td>${escape(c.packageName ?? '—')}</td><td>${escape(c.status)}</td><td>${c.claimStatus ? `${escape(c.claimStatus)} ${money(c.claimAmount)}${c.approvedAmount !== null ? ` (approved ${money(c.approvedAmount)})` : ''}` : '—'}</td></tr>`,
  )
  .join('\n')}
</tbody></table></div>`;
  const looks =
    record.looks.length === 0
      ? '<p>No hospital has looked at your family’s past treatment.</p>'
      : `<div class="table-scroll" role="region" aria-label="Who looked at our record, scrolls sideways" tabindex="0"><table aria-label="Who looked at our record"><thead><tr><th>When</th><th>Hospital</th><th>Who</th><th>Whose record</th></tr></thead><tbody>
${record.looks.map((look) => `<tr><td>${when(look.lookedAt)}</td><td>${escape(look.hospitalName)}</td><td>${escape(look.operatorName)}</td><td>${escape(look.memberName)}</td></tr>`).join('\n')}
</tbody></table></div>`;
  const card = record.eCardSerial
    ? `<p>Card ${escape(record.eCardSerial)}: <a class="button" href="/me/e-card.pdf">Download (PDF, to print)</a> <a class="button" href="/me/e-card.png">QR for my phone (PNG)</a></p>`
    : '<p>No e-card has been issued to you yet: any hospital desk can issue one.</p>';
  return layout(
    'My scheme record',
    `<section>
<h2>${escape(me?.fullName ?? 'Your record')}</h2>
<p class="muted">${escape(scheme.name)} · family ${escape(record.familyNumber)} · signed in until ${when(expiresAt)}</p>
<form method="post" action="/me/sign-out"><button type="submit" class="secondary">Sign out</button></form>
</section>
<section aria-labelledby="cover-title">
<h2 id="cover-title">Family cover ${scheme.policyYear}</h2>
<dl class="figures">
<div><dt>Cover</dt><dd>${money(record.balance.cover)}</dd></div>
<div><dt>Committed</dt><dd>${money(record.balance.committed)}</dd></div>
<div><dt>Available</dt><dd>${money(record.balance.available)}</dd></div>
</dl>
<p class="muted">Committed is what current hospital stays hold and what claims have taken from the cover.</p>
</section>
<section aria-labelledby="accumulators-title">
<h2 id="accumulators-title">What each of you has paid toward the plan's limits</h2>
${accumulators}
</section>
<section aria-labelledby="cases-title">
<h2 id="cases-title">Your family's hospital cases</h2>
${cases}
</section>
<section aria-labelledby="looks-title">
<h2 id="looks-title">Who looked at your past treatment</h2>
<p class="muted">A hospital sees past treatment only after one of you agreed with a code sent to your phone.</p>
${looks}
</section>
<section aria-labelledby="card-title">
<h2 id="card-title">My e-card</h2>
${card}
</section>`,
  );
}
