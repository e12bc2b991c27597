/**
 * The desk API contract's runtime values. Everything else in the renderer imports the contract's
 * *types* through the '@desk-api/*' alias (type-only imports vanish at runtime); these few values
 * are imported by relative path because the repository's root vitest config does not alias
 * '@desk-api' yet, and the renderer's tests run under it. Once it does, import from '@desk-api/*'.
 */
export { deskApiVersion, deskChannels } from '../../../electron/desk-api/contract';
export { deskApiPath } from '../../../electron/desk-api/wire';
