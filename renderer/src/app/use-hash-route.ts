import { useCallback, useSyncExternalStore } from 'react';
import { parseRoute, routeToHash, type Route } from './routes';

const subscribe = (listener: () => void): (() => void) => {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
};

/** The current hash route and a way to go somewhere; every move is a history entry (Alt+Left goes back). */
export function useHashRoute(): { readonly route: Route; readonly navigate: (route: Route) => void } {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  const navigate = useCallback((route: Route) => {
    window.location.hash = routeToHash(route);
  }, []);
  return { route: parseRoute(hash), navigate };
}
