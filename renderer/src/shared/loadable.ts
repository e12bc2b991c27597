/**
 * One shape for everything a screen loads, in the desk and in the payer console alike: loading,
 * then ready with its value, or an error whose message is written for people (the desk backend's
 * DeskError and the console's ConsoleError both are). Every read hook returns a Loadable; hooks
 * over a request (not a live collection) add `reload()`.
 */
export interface LoadError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export type Loadable<T, E extends LoadError = LoadError> =
  { readonly status: 'loading' } | { readonly status: 'error'; readonly error: E } | { readonly status: 'ready'; readonly value: T };

/** A Loadable read that can be asked again (a request, not a live collection). */
export type Reloadable<T, E extends LoadError = LoadError> = Loadable<T, E> & { reload(): void };

export const loading = { status: 'loading' } as const;

export function ready<T>(value: T): { readonly status: 'ready'; readonly value: T } {
  return { status: 'ready', value };
}

export function failed<E extends LoadError>(error: E): { readonly status: 'error'; readonly error: E } {
  return { status: 'error', error };
}

/** The value when ready, else the fallback: for figures that may show before their source has loaded. */
export function valueOr<T, F>(loadable: Loadable<T, LoadError>, fallback: F): T | F {
  return loadable.status === 'ready' ? loadable.value : fallback;
}
