/**
 * Test-only: a read-model database with RxDB's dev-mode checks and JSON-schema validation of every
 * write, so tests catch a document that does not fit its schema. Never imported by the app: dev-mode
 * loads a tracking iframe in browsers and the validator compiles code at runtime (CSP).
 */
import { addRxPlugin } from 'rxdb/plugins/core';
import { disableWarnings, RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { createDeskDatabase, type DeskDatabase } from './database';

let isDevModeAdded = false;

export function createCheckedDeskDatabase(): Promise<DeskDatabase> {
  if (!isDevModeAdded) {
    disableWarnings();
    addRxPlugin(RxDBDevModePlugin);
    isDevModeAdded = true;
  }
  return createDeskDatabase(wrappedValidateAjvStorage({ storage: getRxStorageMemory() }));
}
