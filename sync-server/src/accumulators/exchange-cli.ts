/**
 * `npm run accumulators:import -- FILE` and `npm run accumulators:export [-- --dir DIR] [--date YYYY-MM-DD]`
 * (issue 14; src/accumulators/exchange.ts). The database is the server's (DATABASE_URL, or the
 * embedded one). Import prints every refused line with its number and reason; exit code 0 when
 * every line is applied (now or before), 1 when some were refused, 2 when the file was refused whole
 * or on error. Export writes a new file named by the date into DIR (default .data/exchange/out,
 * or COVERDESK_EXCHANGE_DIR), never overwriting one, and prints its name.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../db/open';
import { pendingMigrations } from '../db/roles';
import { ExchangeFileRefused, exportMedicalMovements, importExchangeFile } from './exchange';

const defaultOutDir = resolve(fileURLToPath(new URL('../../../.data/exchange/out', import.meta.url)));

function option(args: readonly string[], name: string): string | null {
  const at = args.indexOf(name);
  if (at === -1) return null;
  const value = args[at + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command !== 'import' && command !== 'export') throw new Error('usage: exchange-cli.ts import FILE | export [--dir DIR] [--date YYYY-MM-DD]');
  const db = await openDatabase();
  try {
    const pending = await pendingMigrations(db);
    if (pending.length > 0) throw new Error(`the database lacks migrations ${pending.join(', ')}; start the server once to migrate it.`);
    if (command === 'import') {
      const path = args.find((a) => !a.startsWith('--'));
      if (!path) throw new Error('usage: npm run accumulators:import -- FILE');
      const report = await importExchangeFile(db, basename(path), await readFile(path));
      for (const bad of report.refused) console.log(`line ${bad.line}: ${bad.reason}`);
      console.log(
        `${report.file}: ${report.lines} lines, ${report.applied} applied now, ${report.alreadyApplied} applied before, ${report.refused.length} refused`,
      );
      return report.refused.length === 0 ? 0 : 1;
    }
    const directory = resolve(option(args, '--dir') ?? process.env.COVERDESK_EXCHANGE_DIR ?? defaultOutDir);
    const [scheme] = await db.query<{ time_zone: string }>('SELECT time_zone FROM schemes WHERE is_current');
    const date = option(args, '--date') ?? new Intl.DateTimeFormat('en-CA', { timeZone: scheme?.time_zone ?? 'UTC' }).format(new Date());
    await mkdir(directory, { recursive: true });
    const result = await exportMedicalMovements(db, directory, date, {
      list: (dir) => readdir(dir),
      // 'wx': fails if the file exists, so no file is ever overwritten.
      writeNew: (file, text) => writeFile(file, text, { flag: 'wx' }),
    });
    console.log(result.file ? `${directory}/${result.file}: ${result.lines} movements` : 'nothing to export since the last file');
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ExchangeFileRefused ? `refused: ${error.message}` : error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
