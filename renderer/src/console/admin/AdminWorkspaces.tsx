import type { ReactNode } from 'react';
import type { MessageId } from '../../i18n/catalog';
import { useTranslator } from '../../i18n/LanguageProvider';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
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
  readonly what: { readonly loading: MessageId; readonly unreadable: MessageId };
  readonly children: (value: T) => ReactNode;
}) {
  const { t } = useTranslator();
  if (read.status === 'loading') return <LoadingNotice>{t(what.loading)}</LoadingNotice>;
  if (read.status === 'error') return <ConsoleErrorNotice error={read.error} title={t(what.unreadable)} onRetry={read.reload} />;
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
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.admin.dashboardTitle')}>
      <Loaded read={read} what={{ loading: 'console.admin.loadingDashboard', unreadable: 'console.admin.unreadableDashboard' }}>
        {(value) => <DashboardView figures={value.items} scheme={session.scheme} />}
      </Loaded>
    </ScreenFrame>
  );
}

export function HospitalsWorkspace() {
  const { api } = useConsole();
  const read = useServerRead<{ items: AdminHospital[] }>('/admin/hospitals');
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.workspace.hospitals')}>
      <p className="screen-subtitle">{t('console.admin.hospitalsIntro')}</p>
      <Loaded read={read} what={{ loading: 'console.admin.loadingHospitals', unreadable: 'console.admin.unreadableHospitals' }}>
        {(value) => (
          <HospitalsView
            hospitals={value.items}
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
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.admin.operatorsTitle')}>
      <p className="screen-subtitle">{t('console.admin.operatorsIntro')}</p>
      {/* A MEDCO needs a hospital: without the list, say so rather than offer an empty choice. */}
      {hospitals.status === 'error' ? (
        <ConsoleErrorNotice error={hospitals.error} title={t('console.admin.hospitalsForMedco')} onRetry={hospitals.reload} />
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
      <Loaded read={operators} what={{ loading: 'console.admin.loadingOperators', unreadable: 'console.admin.unreadableOperators' }}>
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
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.admin.packagesTitle')}>
      <Loaded read={read} what={{ loading: 'console.admin.loadingPackages', unreadable: 'console.admin.unreadablePackages' }}>
        {(value) => (
          <PackagesView
            packages={value.items}
            scheme={session.scheme}
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
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.workspace.scheme')}>
      <Loaded read={read} what={{ loading: 'console.admin.loadingScheme', unreadable: 'console.admin.unreadableScheme' }}>
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
