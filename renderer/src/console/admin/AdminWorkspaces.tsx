import type { ReactNode } from 'react';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { useConsole, useConsoleDocuments } from '../app/console-context';
import type { AdminHospital, AdminOperator, AdminPackage, AdminScheme, DashboardFigures } from './admin-data';
import { DashboardView, HospitalsView, NewOperatorForm, OperatorsView, PackagesView, SchemeView } from './AdminViews';
import { useServerRead } from './use-server-read';
import { valueOr, type Reloadable } from '../../shared/loadable';
import type { ConsoleError } from '../data/api';

/** A read's three states on screen: loading, the server's refusal with a retry, or the view. */
function Loaded<T>({
  read,
  what,
  children,
}: {
  readonly read: Reloadable<T, ConsoleError>;
  readonly what: string;
  readonly children: (value: T) => ReactNode;
}) {
  if (read.status === 'loading') return <LoadingNotice>Loading {what}…</LoadingNotice>;
  if (read.status === 'error') return <ErrorNotice error={read.error} title={`The ${what} could not be read.`} onRetry={read.reload} />;
  return <>{children(read.value)}</>;
}

/** HA: cases, holds and claims by state, counted again whenever the live collections move. */
export function DashboardWorkspace() {
  const { session } = useConsole();
  const cases = useConsoleDocuments('cases');
  const claims = useConsoleDocuments('claims');
  const version = `${valueOr(cases, [])
    .map((c) => `${c.status}${c.hold?.status ?? ''}`)
    .sort()
    .join()}|${valueOr(claims, [])
    .map((c) => c.status)
    .sort()
    .join()}`;
  const read = useServerRead<{ items: DashboardFigures }>('/dashboard', version);
  return (
    <ScreenFrame title="Scheme dashboard">
      <Loaded read={read} what="dashboard">
        {(value) => <DashboardView figures={value.items} scheme={session.scheme} locale={session.scheme.locale} />}
      </Loaded>
    </ScreenFrame>
  );
}

export function HospitalsWorkspace() {
  const { api, session } = useConsole();
  const read = useServerRead<{ items: AdminHospital[] }>('/admin/hospitals');
  return (
    <ScreenFrame title="Hospitals and desks">
      <p className="screen-subtitle">A desk enrolls once with a one-time code; revoking it stops its credential at once.</p>
      <Loaded read={read} what="hospitals">
        {(value) => (
          <HospitalsView
            hospitals={value.items}
            locale={session.scheme.locale}
            onIssueCode={async (deskId) => {
              const answer = await api.post<{ code: string; expiresAt: string }>(`/desks/${encodeURIComponent(deskId)}/enrollment-codes`);
              read.reload();
              return answer;
            }}
            onRevoke={async (deskId, reason) => {
              const answer = await api.command('revoke-desk', { deskId, reason });
              read.reload();
              return answer;
            }}
            onRegisterHospital={async (hospital) => {
              const answer = await api.command('register-hospital', { hospitalId: crypto.randomUUID(), ...hospital }, { newIdField: 'hospitalId' });
              read.reload();
              return answer;
            }}
            onRegisterDesk={async (hospitalId, name) => {
              const answer = await api.command('register-desk', { deskId: crypto.randomUUID(), hospitalId, name }, { newIdField: 'deskId' });
              read.reload();
              return answer;
            }}
          />
        )}
      </Loaded>
    </ScreenFrame>
  );
}

export function OperatorsWorkspace() {
  const { api } = useConsole();
  const operators = useServerRead<{ items: AdminOperator[] }>('/admin/operators');
  const hospitals = useServerRead<{ items: AdminHospital[] }>('/admin/hospitals');
  return (
    <ScreenFrame title="Operators and roles">
      <p className="screen-subtitle">A deactivated operator can no longer sign in. You cannot remove your own HA role or deactivate yourself.</p>
      {/* A MEDCO needs a hospital: without the list, say so rather than offer an empty choice. */}
      {hospitals.status === 'error' ? (
        <ErrorNotice error={hospitals.error} title="The hospitals could not be read, so a MEDCO cannot be given one yet." onRetry={hospitals.reload} />
      ) : null}
      <NewOperatorForm
        hospitals={valueOr(hospitals, { items: [] }).items}
        onCreate={async ({ hospitalId, ...operator }) => {
          const answer = await api.command(
            'create-operator',
            { operatorId: crypto.randomUUID(), ...operator, ...(hospitalId ? { hospitalId } : {}) },
            { newIdField: 'operatorId' },
          );
          operators.reload();
          return answer;
        }}
      />
      <Loaded read={operators} what="operators">
        {(value) => (
          <OperatorsView
            operators={value.items}
            hospitals={valueOr(hospitals, { items: [] }).items}
            onUpdate={async (operatorId, change) => {
              const answer = await api.command('update-operator', { operatorId, ...change });
              operators.reload();
              return answer;
            }}
          />
        )}
      </Loaded>
    </ScreenFrame>
  );
}

export function PackagesWorkspace() {
  const { api, session } = useConsole();
  const read = useServerRead<{ items: AdminPackage[] }>('/admin/packages');
  return (
    <ScreenFrame title="Package catalogue">
      <Loaded read={read} what="package catalogue">
        {(value) => (
          <PackagesView
            packages={value.items}
            scheme={session.scheme}
            locale={session.scheme.locale}
            onSetPrice={async (packageCode, price) => {
              const answer = await api.command('set-package-price', { packageCode, price });
              read.reload();
              return answer;
            }}
          />
        )}
      </Loaded>
    </ScreenFrame>
  );
}

export function SchemeWorkspace() {
  const { api } = useConsole();
  const read = useServerRead<{ items: AdminScheme }>('/admin/scheme');
  return (
    <ScreenFrame title="Scheme parameters">
      <Loaded read={read} what="scheme parameters">
        {(value) => (
          <SchemeView
            scheme={value.items}
            onSave={async (change, reason) => {
              const answer = await api.command('set-scheme-parameters', { ...change, reason });
              read.reload();
              return answer;
            }}
          />
        )}
      </Loaded>
    </ScreenFrame>
  );
}
