import { createContext, useContext, useEffect, useState } from 'react';
import type { Observable } from 'rxjs';
import type { Role } from '@domain/ids';
import { formatMoneyOrDash } from '../../shared/money';
import type { ConsoleApi } from '../data/api';
import type { ConsoleDatabase } from '../data/database';
import type { ConsoleCollectionName, ConsoleDocumentOf, ConsoleSession } from '../data/documents';
import type { ConsoleReplication } from '../data/replication';
import { loading, ready, type Loadable } from '../../shared/loadable';

/** What every console screen may use: the server link, the signed-in operator, the read model. */
export interface ConsoleWorkspaceContext {
  readonly api: ConsoleApi;
  readonly session: ConsoleSession;
  readonly database: ConsoleDatabase;
  readonly replication: ConsoleReplication;
  readonly navigate: (hash: string) => void;
}

export const ConsoleContext = createContext<ConsoleWorkspaceContext | null>(null);

export function useConsole(): ConsoleWorkspaceContext {
  const context = useContext(ConsoleContext);
  if (!context) throw new Error('useConsole outside a signed-in console');
  return context;
}

export function hasAnyRole(session: Pick<ConsoleSession, 'roles'>, roles: readonly Role[]): boolean {
  return session.roles.some((role) => roles.includes(role));
}

/** Amounts in the scheme's currency and locale. */
export function useMoney(): (minor: number | null | undefined) => string {
  const { session } = useConsole();
  return (minor) => formatMoneyOrDash(minor, session.scheme);
}

export function ConsoleMoney({ minor }: { readonly minor: number | null | undefined }) {
  const money = useMoney();
  return <span className="money">{money(minor)}</span>;
}

/**
 * Every document of a collection, live. Loading until the collection has been read once, and while
 * it is still empty before the first replication has caught up (an empty queue is only shown once
 * it is known to be empty).
 */
export function useConsoleDocuments<C extends ConsoleCollectionName>(collection: C): Loadable<readonly ConsoleDocumentOf[C][]> {
  const { database, replication } = useConsole();
  const [documents, setDocuments] = useState<readonly ConsoleDocumentOf[C][] | null>(null);
  useEffect(() => {
    // The union of collection types has no common subscribe signature: read through one plain shape.
    const documents$ = database[collection].find().$ as unknown as Observable<readonly { toJSON(): unknown }[]>;
    const subscription = documents$.subscribe((found) => {
      setDocuments(found.map((document) => document.toJSON() as ConsoleDocumentOf[C]));
    });
    return () => subscription.unsubscribe();
  }, [database, collection]);
  if (documents === null || (documents.length === 0 && !replication.status().isReady)) return loading;
  return ready(documents);
}

/**
 * One document, live: ready with null when the read model does not hold it, once the first
 * replication has caught up (before that, an absent document is still loading).
 */
export function useConsoleDocument<C extends ConsoleCollectionName>(collection: C, id: string): Loadable<ConsoleDocumentOf[C] | null> {
  const { database, replication } = useConsole();
  const [document, setDocument] = useState<ConsoleDocumentOf[C] | null | undefined>(undefined);
  useEffect(() => {
    const document$ = database[collection].findOne(id).$ as unknown as Observable<{ toJSON(): unknown } | null>;
    const subscription = document$.subscribe((found) => {
      setDocument(found ? (found.toJSON() as ConsoleDocumentOf[C]) : null);
    });
    return () => subscription.unsubscribe();
  }, [database, collection, id]);
  if (document === undefined || (document === null && !replication.status().isReady)) return loading;
  return ready(document);
}

/** The current time, ticking every `everyMs`: waiting times move without a reload. */
export function useNow(everyMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
