import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The boundary allow-lists (build/eslint-boundaries.js, mirrored by each folder's README) really fail
 * the lint: a probe file in each layer with a forbidden import is an error naming the layer, and
 * the same file with an allowed import is clean. Linted as text at a path inside the layer, so no
 * probe file is ever written into the repository.
 */
const eslint = new ESLint();

async function boundaryMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'coverdesk/boundaries').map((m) => m.message);
}

const cases: { layer: string; file: string; forbidden: string; allowed: string }[] = [
  {
    layer: 'sync-server/domain (pure)',
    file: 'sync-server/domain/probe.ts',
    forbidden: "import { readFileSync } from 'node:fs';",
    allowed: "import { formatMoney } from './money';",
  },
  {
    layer: 'sync-server/domain (pure)',
    file: 'sync-server/domain/probe.ts',
    forbidden: "import Database from 'better-sqlite3-multiple-ciphers';",
    allowed: "import type { FamilyId } from './ids';",
  },
  {
    layer: 'sync-server/contract (pure)',
    file: 'sync-server/contract/probe.ts',
    forbidden: "import { createHash } from 'crypto';",
    allowed: "import { Type } from 'typebox';",
  },
  {
    layer: 'sync-server/contract (pure)',
    file: 'sync-server/contract/probe.ts',
    forbidden: "import { migrate } from '../src/db/migrate';",
    allowed: "import { formatMoney } from '@domain/money';",
  },
  {
    layer: 'sync-server/src',
    file: 'sync-server/src/probe.ts',
    forbidden: "import { DeskBackend } from '../../electron/desk-backend/backend';",
    allowed: "import pg from 'pg';",
  },
  {
    layer: 'electron/desk-api (types and pure helpers)',
    file: 'electron/desk-api/probe.ts',
    forbidden: "import { formatMoney } from '@domain/money';",
    allowed: "import type { CommandName } from '@contract/commands';",
  },
  {
    layer: 'electron/desk-backend',
    file: 'electron/desk-backend/probe.ts',
    forbidden: "import { buildApp } from '../../sync-server/src/app';",
    allowed: "import { commandBodies } from '@contract/commands';",
  },
  {
    layer: 'electron/main',
    file: 'electron/main/probe.ts',
    forbidden: "import { DeskBackend } from '../desk-backend/backend';",
    allowed: "import { app } from 'electron';",
  },
  {
    layer: 'electron/preload',
    file: 'electron/preload/probe.ts',
    forbidden: "import { readFileSync } from 'node:fs';",
    allowed: "import { contextBridge } from 'electron';",
  },
  {
    layer: 'native',
    file: 'native/fingerprint-uart/probe.ts',
    forbidden: "import { app } from 'electron';",
    allowed: "import { SerialPort } from 'serialport';",
  },
  {
    layer: 'renderer/src (browser)',
    file: 'renderer/src/probe.ts',
    forbidden: "import { readFileSync } from 'node:fs';",
    allowed: "import { useState } from 'react';",
  },
  {
    layer: 'renderer/src (browser)',
    file: 'renderer/src/probe.ts',
    forbidden: "import { RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';",
    allowed: "import { createRxDatabase } from 'rxdb/plugins/core';",
  },
  {
    layer: 'renderer/src (browser)',
    file: 'renderer/src/probe.ts',
    forbidden: "import { commandBodies } from '@contract/commands';",
    allowed: "import type { DeskApi } from '@desk-api/contract';",
  },
  {
    layer: 'electron (scripts at the top of the folder)',
    file: 'electron/probe.ts',
    forbidden: "import { seedDemo } from '../sync-server/src/demo/seed';",
    allowed: "import { spawn } from 'node:child_process';",
  },
];

describe('import boundaries are enforced by the lint, not only written in READMEs', () => {
  it.each(cases)(
    '$file: $forbidden is an error, $allowed is not',
    async ({ layer, file, forbidden, allowed }) => {
      const refused = await boundaryMessages(file, `${forbidden}\nexport const probe = 1;\n`);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toContain(`${layer} may not import`);
      expect(await boundaryMessages(file, `${allowed}\nexport const probe = 1;\n`)).toEqual([]);
    },
    60_000,
  );

  it('a dynamic import is checked like a static one', async () => {
    const refused = await boundaryMessages('renderer/src/probe.ts', "export const load = () => import('node:fs');\n");
    expect(refused).toEqual([expect.stringContaining('renderer/src (browser) may not import')]);
  }, 60_000);
});
