import { checkServerUrl } from '../desk-api/transport-policy';

/**
 * Where auto-update looks, decided before anything is fetched: `COVERDESK_UPDATE_URL` when IT sets
 * it, else the feed built into the app (build/electron-builder.yml `publish`). An installed build
 * refuses an `http:` feed (an update fetched in clear could be swapped on the way) and then does
 * not check for updates at all rather than fall back in silence. Pure, so main.ts's wiring is tested.
 */
export type UpdateFeedPlan =
  | { readonly kind: 'built-in'; readonly check: boolean }
  | { readonly kind: 'custom'; readonly url: string; readonly check: boolean }
  | { readonly kind: 'refused'; readonly message: string; readonly check: false };

export function planUpdateFeed(configured: string | undefined, isPackaged: boolean): UpdateFeedPlan {
  if (configured === undefined || configured.trim() === '') return { kind: 'built-in', check: isPackaged };
  const checked = checkServerUrl(configured.trim(), isPackaged, 'update feed');
  if (!checked.ok) return { kind: 'refused', message: `COVERDESK_UPDATE_URL refused: ${checked.message}`, check: false };
  return { kind: 'custom', url: checked.url.toString(), check: isPackaged };
}
