import type { CaseView } from '@desk-api/contract';
import { ConfirmedAt } from '../../shared/ui/ConfirmedAt';
import { Money } from '../../shared/ui/Money';

/** What the family cover holds for this case and how much of it the bookings have used. */
export function HoldSummary({ liveCase }: { readonly liveCase: CaseView }) {
  const hold = liveCase.hold;
  return (
    <section className="panel" aria-labelledby="hold-title">
      <h2 id="hold-title">Hold for this case</h2>
      {hold ? (
        <>
          <dl className="figures">
            <div>
              <dt>Held on the cover</dt>
              <dd className="figure-strong">
                <Money minor={hold.value.amount} />
              </dd>
            </div>
            <div>
              <dt>Used by bookings</dt>
              <dd>
                <Money minor={hold.value.consumed} />
              </dd>
            </div>
            <div>
              <dt>Left in the hold</dt>
              <dd>
                <Money minor={Math.max(0, hold.value.amount - hold.value.consumed)} />
              </dd>
            </div>
            <div>
              <dt>Authorized</dt>
              <dd>
                <Money minor={hold.value.authorized} />
              </dd>
            </div>
            {hold.value.patientEstimate > 0 ? (
              // Under cost sharing the hold is the plan's part; the rest of the authorized amount is the patient's, estimated.
              <div>
                <dt>Patient’s estimated part</dt>
                <dd>
                  <Money minor={hold.value.patientEstimate} />
                </dd>
              </div>
            ) : null}
          </dl>
          <p className="balance-confirmation">
            Hold <ConfirmedAt iso={hold.confirmedAt} />.
          </p>
        </>
      ) : (
        <p>
          No hold yet: the server places it when it receives the pre-auth request
          {liveCase.preauth.status === 'committee-review' || liveCase.preauth.status === 'admin-review'
            ? ' and, for an unspecified package, once Admin approves the committee’s amount'
            : ''}
          .
        </p>
      )}
    </section>
  );
}
