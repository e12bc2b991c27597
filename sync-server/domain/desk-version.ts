/**
 * Desk app versions (issue 23): the version a desk reports in its sync traffic and the scheme's
 * minimum below which its pushes are refused. Semantic Versioning 2.0.0's precedence (section 11):
 * major, minor, patch compared as numbers; a pre-release (`1.2.0-rc.1`) comes before its release;
 * pre-release identifiers compared one by one, numeric ones as numbers and below alphanumeric ones;
 * build metadata (`+…`) ignored. Pure: shared by the server, the desk and the console.
 */

/** MAJOR.MINOR.PATCH with an optional pre-release and build (no leading zeros in numbers). */
export const deskVersionPattern =
  '^(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(-(0|[1-9][0-9]{0,8}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]{0,8}|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';
const versionExpression = new RegExp(deskVersionPattern);
export const deskVersionMaxLength = 64;

export interface DeskVersion {
  readonly core: readonly [number, number, number];
  readonly preRelease: readonly string[];
}

/** The version, or null when `text` is not one (the caller says why in its own words). */
export function parseDeskVersion(text: string): DeskVersion | null {
  if (text.length > deskVersionMaxLength) return null;
  const match = versionExpression.exec(text);
  if (!match) return null;
  const withoutBuild = text.split('+')[0]!;
  const dash = withoutBuild.indexOf('-');
  return {
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    preRelease: dash === -1 ? [] : withoutBuild.slice(dash + 1).split('.'),
  };
}

const isNumeric = (identifier: string) => /^[0-9]+$/.test(identifier);

/** Negative when `a` comes before `b`, 0 when equal in precedence, positive after. */
export function compareDeskVersions(a: DeskVersion, b: DeskVersion): number {
  for (let index = 0; index < 3; index += 1) {
    const difference = a.core[index]! - b.core[index]!;
    if (difference !== 0) return Math.sign(difference);
  }
  // A release is after every pre-release of it.
  if (a.preRelease.length === 0 || b.preRelease.length === 0) return Math.sign(b.preRelease.length - a.preRelease.length);
  for (let index = 0; index < Math.min(a.preRelease.length, b.preRelease.length); index += 1) {
    const left = a.preRelease[index]!;
    const right = b.preRelease[index]!;
    if (left === right) continue;
    if (isNumeric(left) && isNumeric(right)) return Math.sign(Number(left) - Number(right));
    if (isNumeric(left)) return -1;
    if (isNumeric(right)) return 1;
    return left < right ? -1 : 1;
  }
  return Math.sign(a.preRelease.length - b.preRelease.length);
}

/**
 * Whether a desk reporting `reported` may push under the minimum `minimum` (null: no minimum).
 * A desk that reports no version, or one that is not a version, is below any minimum: it is from
 * before desks reported one, or it cannot be told apart from such a desk.
 */
export function isDeskVersionAllowed(reported: string | null, minimum: string | null): boolean {
  if (minimum === null) return true;
  const floor = parseDeskVersion(minimum);
  if (!floor) return true;
  const version = reported === null ? null : parseDeskVersion(reported);
  return version !== null && compareDeskVersions(version, floor) >= 0;
}
