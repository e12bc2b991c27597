import type { Confirmed } from '@desk-api/contract';
import { ConfirmedAt } from '../../shared/ui/ConfirmedAt';
import { Money } from '../../shared/ui/Money';
import { balanceSegments } from './balance';

interface BalanceBarProps {
  readonly balance: Confirmed<{ readonly cover: number; readonly committed: number; readonly available: number }>;
  readonly pendingAmount: number;
  readonly heading?: string;
}

/**
 * The family's floater cover: what is committed (holds and claims at every hospital), what this desk
 * has booked that the server has not placed yet, and what is available, with the time the server
 * confirmed it. The bar is decoration; the figures beside it say the same in words.
 */
export function BalanceBar({ balance, pendingAmount, heading = 'Family cover' }: BalanceBarProps) {
  const { cover, committed, available } = balance.value;
  const segments = balanceSegments({ cover, committed, available, pending: pendingAmount });
  return (
    <section className="balance" aria-label={heading}>
      <h2>{heading}</h2>
      <div className="balance-bar" aria-hidden="true">
        <span className="balance-committed" style={{ width: `${segments.committedPercent}%` }} />
        <span className="balance-pending" style={{ width: `${segments.pendingPercent}%` }} />
        <span className="balance-available" style={{ width: `${segments.availablePercent}%` }} />
      </div>
      <dl className="figures">
        <div>
          <dt>Cover</dt>
          <dd>
            <Money minor={cover} />
          </dd>
        </div>
        <div>
          <dt>
            <span className="swatch swatch-committed" aria-hidden="true" /> Committed
          </dt>
          <dd>
            <Money minor={committed} />
          </dd>
        </div>
        <div>
          <dt>
            <span className="swatch swatch-available" aria-hidden="true" /> Available
          </dt>
          <dd className="figure-strong">
            <Money minor={available} />
          </dd>
        </div>
        <div>
          <dt>
            <span className="swatch swatch-pending" aria-hidden="true" /> Pending on this desk
          </dt>
          <dd>
            <Money minor={pendingAmount} />
          </dd>
        </div>
      </dl>
      <p className="balance-confirmation">
        Figures <ConfirmedAt iso={balance.confirmedAt} />.
        {pendingAmount > 0 ? ' Pending bookings are not in them yet: the server places them when it receives them.' : ''}
      </p>
      {segments.pendingBeyondAvailable > 0 ? (
        <p className="warning-text">
          <Money minor={segments.pendingBeyondAvailable} /> of the pending bookings is more than the cover has available: unless more cover is found it will be
          shortfall, paid by the patient.
        </p>
      ) : null}
    </section>
  );
}
