/**
 * The dev server's fake desk (dev/fake.html, see fake-main.tsx): the desk against the in-memory fake backend, with a
 * panel to play the server's and the payer side's part. Never in a production build.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { FakeDeskBackend, fakeOtpCode } from './fake-backend';
import { seedMemberIds } from './fake-seed';
import type { DeskConnection } from '../src/desk-client/desk-link';
import { createDeskVerifier } from '../src/features/identity/identity-verifier';
import type { IdentityVerifier } from '../src/features/identity/identity-verifier';

export function startFakeDesk(): { readonly client: DeskConnection; readonly verifier: IdentityVerifier; readonly devTools: ReactNode } {
  const hospitalCode = new URLSearchParams(window.location.search).get('hospital') === 'B' ? 'HSP-B' : 'HSP-A';
  const backend = new FakeDeskBackend({ hospitalCode, reviewDelayMs: 8_000, latencyMs: 200 });
  return { client: backend, verifier: createDeskVerifier(backend), devTools: <FakeDeskPanel backend={backend} /> };
}

function FakeDeskPanel({ backend }: { readonly backend: FakeDeskBackend }) {
  const [, setTick] = useState(0);
  const [isOpen, setIsOpen] = useState(false);
  useEffect(() => {
    const refresh = (): void => setTick((value) => value + 1);
    const stops = [backend.on('replication.changed', refresh), backend.on('sync.status', refresh), backend.onLinkStatus(refresh)];
    return () => stops.forEach((stop) => stop());
  }, [backend]);

  const dropLinkBriefly = (): void => {
    backend.dropLink();
    setTimeout(() => backend.restoreLink(), 3_000);
  };

  return (
    <aside className="fake-panel" aria-label="Fake backend controls">
      <button type="button" onClick={() => setIsOpen(!isOpen)} aria-expanded={isOpen}>
        Fake backend {backend.online ? '(online)' : '(offline)'}
      </button>
      {isOpen ? (
        <div className="fake-panel-body">
          <label className="checkbox">
            <input type="checkbox" checked={backend.online} onChange={(event) => backend.setOnline(event.target.checked)} /> Desk reaches the server
          </label>
          {backend.hospitalCode === 'HSP-A' ? (
            <button type="button" onClick={() => backend.admitElsewhere(seedMemberIds.mother, 'HSP-B', 'MG006A')}>
              S1 step 2 at desk B: Sunita admitted (MG006A)
            </button>
          ) : (
            <button type="button" onClick={() => backend.admitElsewhere(seedMemberIds.father, 'HSP-A', 'MG012A')}>
              S1 step 1 at desk A: Ramesh admitted (MG012A)
            </button>
          )}
          <button type="button" onClick={() => backend.scanCard('HC-S1-0001')}>
            Desk scanner reads Ramesh’s card
          </button>
          <button type="button" onClick={dropLinkBriefly}>
            Drop the renderer link for 3 s
          </button>
          <h2 className="small-heading">Waiting for the payer side</h2>
          <ul>
            {backend.pendingReviews().map((review) => (
              <li key={`${review.caseId}-${review.what}`}>
                {review.memberName}: {review.what}{' '}
                {review.what === 'enhancement' ? (
                  <button type="button" onClick={() => backend.decideEnhancement(review.caseId, 100_000)}>
                    Approve ₹1,000
                  </button>
                ) : (
                  <>
                    <button type="button" onClick={() => backend.approvePreauth(review.caseId)}>
                      Approve
                    </button>
                    <button type="button" onClick={() => backend.queryPreauth(review.caseId, 'Attach the admission notes and latest lab reports.')}>
                      Query
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
          <p className="muted">Operators: medco.a / medco.b, password coverdesk-demo. OTP: {fakeOtpCode}. Add ?hospital=B for desk B.</p>
        </div>
      ) : null}
    </aside>
  );
}
