/**
 * One keydown listener for the whole page, and the list of shortcuts that work right now (global
 * ones plus the current screen's), which the help panel shows. Screens declare theirs with
 * useShortcut, so the help panel can never list a shortcut that does nothing.
 */
import { createContext, useContext, useEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { matchesShortcut, type Shortcut } from './shortcuts';

interface Registration {
  readonly shortcut: Shortcut;
  readonly run: () => void;
}

class ShortcutRegistry {
  private registrations: readonly Registration[] = [];
  private readonly listeners = new Set<() => void>();

  register(registration: Registration): () => void {
    this.registrations = [...this.registrations, registration];
    this.changed();
    return () => {
      this.registrations = this.registrations.filter((candidate) => candidate !== registration);
      this.changed();
    };
  }

  /** The most recently registered match wins: a screen's shortcut overrides a global one with the same keys. */
  handle(event: KeyboardEvent): void {
    if (event.defaultPrevented) return;
    for (let index = this.registrations.length - 1; index >= 0; index -= 1) {
      const registration = this.registrations[index]!;
      if (!matchesShortcut(event, registration.shortcut.keys)) continue;
      event.preventDefault();
      registration.run();
      return;
    }
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly snapshot = (): readonly Registration[] => this.registrations;

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

const RegistryContext = createContext<ShortcutRegistry | null>(null);

export function ShortcutProvider({ children }: { readonly children: ReactNode }) {
  const registry = useRef<ShortcutRegistry | null>(null);
  registry.current ??= new ShortcutRegistry();
  useEffect(() => {
    const current = registry.current!;
    const onKeyDown = (event: KeyboardEvent): void => current.handle(event);
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
  return <RegistryContext.Provider value={registry.current}>{children}</RegistryContext.Provider>;
}

/** Run `handler` on `shortcut` while the calling component is shown (and `isEnabled`). */
export function useShortcut(shortcut: Shortcut, handler: () => void, isEnabled = true): void {
  const registry = useContext(RegistryContext);
  const handlerRef = useRef(handler);
  handlerRef.current = handler;
  useEffect(() => {
    if (!registry || !isEnabled) return;
    return registry.register({ shortcut, run: () => handlerRef.current() });
  }, [registry, shortcut, isEnabled]);
}

/** The shortcuts that work now, without duplicates, for the help panel. */
export function useActiveShortcuts(): readonly Shortcut[] {
  const registry = useContext(RegistryContext);
  const registrations = useSyncExternalStore(registry?.subscribe ?? noSubscription, registry?.snapshot ?? noRegistrations);
  const seen = new Set<string>();
  return registrations.map((registration) => registration.shortcut).filter((shortcut) => !seen.has(shortcut.keys) && Boolean(seen.add(shortcut.keys)));
}

const noSubscription = (): (() => void) => () => undefined;
const emptyRegistrations: readonly Registration[] = [];
const noRegistrations = (): readonly Registration[] => emptyRegistrations;
