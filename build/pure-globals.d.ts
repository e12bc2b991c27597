/**
 * For tsconfig.pure.json alone (which has no DOM and no Node types): the one web-standard global
 * the pure layers use that exists in every runtime they run in — browsers, Node 20 and Electron.
 * Only the members the pure code reads; anything else stays a type error there. Not in the root
 * tsconfig's include, so it never competes with the DOM's or Node's own URL.
 */
declare class URL {
  constructor(url: string, base?: string);
  readonly href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly pathname: string;
}
