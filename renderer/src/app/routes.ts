/**
 * Where the operator is, as a hash route (#/case/<id>), so the browser's back and forward keys
 * (Alt+Left / Alt+Right) walk the desk's steps and a reload stays on the same screen.
 */
import type { IdentityMethod } from '@desk-api/contract';

export type Route =
  | { readonly screen: 'find' }
  | { readonly screen: 'family'; readonly familyId: string }
  | { readonly screen: 'identify'; readonly familyId: string; readonly memberId: string }
  | { readonly screen: 'admit'; readonly familyId: string; readonly memberId: string; readonly method: IdentityMethod }
  | { readonly screen: 'case'; readonly caseId: string }
  | { readonly screen: 'cases' }
  | { readonly screen: 'emergencies' }
  | { readonly screen: 'figures' };

const identityMethods: readonly IdentityMethod[] = ['fingerprint', 'face', 'otp', 'override', 'document'];

function isIdentityMethod(value: string | undefined): value is IdentityMethod {
  return value !== undefined && (identityMethods as readonly string[]).includes(value);
}

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  const [screen, first, second, third] = parts;
  switch (screen) {
    case 'family':
      if (first) return { screen: 'family', familyId: first };
      break;
    case 'identify':
      if (first && second) return { screen: 'identify', familyId: first, memberId: second };
      break;
    case 'admit':
      if (first && second && isIdentityMethod(third)) return { screen: 'admit', familyId: first, memberId: second, method: third };
      break;
    case 'case':
      if (first) return { screen: 'case', caseId: first };
      break;
    case 'cases':
      return { screen: 'cases' };
    case 'emergencies':
      return { screen: 'emergencies' };
    case 'figures':
      return { screen: 'figures' };
  }
  return { screen: 'find' };
}

export function routeToHash(route: Route): string {
  const path = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;
  switch (route.screen) {
    case 'find':
      return path('find');
    case 'family':
      return path('family', route.familyId);
    case 'identify':
      return path('identify', route.familyId, route.memberId);
    case 'admit':
      return path('admit', route.familyId, route.memberId, route.method);
    case 'case':
      return path('case', route.caseId);
    case 'cases':
      return path('cases');
    case 'emergencies':
      return path('emergencies');
    case 'figures':
      return path('figures');
  }
}

/** The page title per screen: screen readers announce it on navigation, and it names the browser tab. */
export function routeTitle(route: Route): string {
  switch (route.screen) {
    case 'find':
      return 'Find a beneficiary';
    case 'family':
      return 'Family';
    case 'identify':
      return 'Confirm identity';
    case 'admit':
      return 'Admission and package';
    case 'case':
      return 'Case';
    case 'cases':
      return 'Cases at this desk';
    case 'emergencies':
      return 'Emergencies';
    case 'figures':
      return "Our hospital's figures";
  }
}
