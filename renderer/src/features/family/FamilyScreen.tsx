import { useFamily } from '../../shared/hooks/use-live-record';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { ActiveCasesTable } from './ActiveCasesTable';
import { BalanceBar } from './BalanceBar';
import { IdentifiersPanel } from './IdentifiersPanel';
import { MembersTable } from './MembersTable';

/** A family: its shared cover, its members, and its active cases everywhere. */
export function FamilyScreen({ familyId }: { readonly familyId: string }) {
  const family = useFamily(familyId);
  if (family.status === 'loading') {
    return (
      <ScreenFrame title="Family">
        <LoadingNotice>Loading the family…</LoadingNotice>
      </ScreenFrame>
    );
  }
  if (family.status === 'error') {
    return (
      <ScreenFrame title="Family">
        <ErrorNotice error={family.error} onRetry={family.reload} />
      </ScreenFrame>
    );
  }
  const { value } = family;
  return (
    <ScreenFrame
      title={`Family ${value.familyNumber}`}
      headingExtra={
        <p className="screen-subtitle">
          District {value.district} · registered phone ending {value.registeredPhoneEnding}
        </p>
      }
    >
      <BalanceBar balance={value.balance} pendingAmount={value.pendingAmount} />
      <section className="panel" aria-labelledby="family-members">
        <h2 id="family-members">Members</h2>
        <MembersTable family={value} />
      </section>
      <section className="panel" aria-labelledby="family-cases">
        <h2 id="family-cases">Active cases</h2>
        <ActiveCasesTable family={value} />
      </section>
      <IdentifiersPanel family={value} />
    </ScreenFrame>
  );
}
