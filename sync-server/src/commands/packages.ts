// The package catalogue: a package at its current price version, and set-package-price (a new version, never an edit).
import type { CommandBody } from '@contract/commands';
import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { type CommandContext, type CommandResult } from './context';

interface PackageRow {
  code: string;
  name: string;
  specialty: string;
  is_unspecified: boolean;
  version: number;
  price: number;
}

export async function currentPackage(context: CommandContext, code: string): Promise<PackageRow> {
  const [row] = await context.sql.query<PackageRow>(
    `SELECT p.code, p.name, p.specialty, p.is_unspecified, pp.version, pp.price
       FROM packages p JOIN package_prices pp ON pp.package_code = p.code
      WHERE p.code = $1 ORDER BY pp.version DESC LIMIT 1`,
    [code],
  );
  if (!row) throw fail('not-found', `There is no package ${code} in the catalogue.`);
  return row;
}

export async function setPackagePrice(context: CommandContext, body: CommandBody<'set-package-price'>): Promise<CommandResult<'set-package-price'>> {
  const current = await currentPackage(context, body.packageCode);
  // Lock the package so two price changes cannot claim the same version number.
  await context.sql.query('SELECT code FROM packages WHERE code = $1 FOR UPDATE', [body.packageCode]);
  const [latest] = await context.sql.query<{ version: number }>('SELECT max(version) AS version FROM package_prices WHERE package_code = $1', [
    body.packageCode,
  ]);
  const version = (latest?.version ?? 0) + 1;
  await context.sql.query('INSERT INTO package_prices (package_code, version, price) VALUES ($1, $2, $3)', [body.packageCode, version, body.price]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'package-price-set',
    entityType: 'package',
    entityId: body.packageCode,
    before: { version: current.version, price: current.price },
    after: { version, price: body.price },
    commandId: context.commandId,
  });
  return { packageCode: body.packageCode, version, price: body.price, previous: { version: current.version, price: current.price } };
}
