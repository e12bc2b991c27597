import type { PackageView } from '@desk-api/contract';

/**
 * Package search as desks use it: by code ("MG012"), by words of the name ("gastro dehyd"), or by
 * specialty ("surgery"). Every word must appear somewhere; codes that start with the search come first.
 */
export function searchPackages<T extends PackageView>(packages: readonly T[], search: string): T[] {
  const words = search
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  const matching = packages.filter((pkg) => {
    const haystack = `${pkg.code} ${pkg.name} ${pkg.specialty}`.toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  const first = words[0] ?? '';
  return matching.sort(
    (a, b) => Number(b.code.toLowerCase().startsWith(first)) - Number(a.code.toLowerCase().startsWith(first)) || a.code.localeCompare(b.code),
  );
}
