/**
 * `npm run ha:up [-- --root .data/ha/local] [--base-port 16400] [--nodes 3] [--network loopback|namespaces]`: a local PostgreSQL HA
 * formation (etcd, Patroni nodes with strict synchronous replication, HAProxy; ha-formation.ts;
 * `--network namespaces`, as root: each node in a network namespace of its own),
 * ready when the leader accepts commits acknowledged by a synchronous standby; prints the URL to
 * give the sync server as DATABASE_URL. `npm run ha:down [-- --root .data/ha/local]` stops it and
 * removes its folder; with nothing running it says so. Exit 0, or 2 on a refusal or an error.
 */
import { parseArgs } from 'node:util';
import { formationUrl, planFormation, readFormation, startFormation, stopFormation, type FormationNetwork } from './ha-formation';
import { OpsRefusal } from './postgres-tools';

const usage =
  'npm run ha:up -- [--root .data/ha/local] [--base-port 16400] [--nodes 3] [--network loopback|namespaces]   |   npm run ha:down -- [--root .data/ha/local]';

function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new OpsRefusal('invalid-option', `--${name} must be a whole number: ${text}.`);
  return value;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { root: { type: 'string' }, 'base-port': { type: 'string' }, nodes: { type: 'string' }, network: { type: 'string' } },
    });
  } catch (error) {
    throw new OpsRefusal('invalid-option', `${error instanceof Error ? error.message : String(error)}. Usage: ${usage}`);
  }
  const { values, positionals } = parsed;
  const root = values.root ?? '.data/ha/local';
  const log = (line: string): void => console.log(line);
  switch (positionals[0]) {
    case 'up': {
      const plan = planFormation(
        root,
        wholeNumber('base-port', values['base-port'], 16_400),
        wholeNumber('nodes', values.nodes, 3),
        (values.network ?? 'loopback') as FormationNetwork,
      );
      const started = Date.now();
      await startFormation(plan, log);
      const members = readFormation(plan.root);
      console.log(
        `Formation ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${plan.nodes.map((node) => node.name).join(', ')}; logs in ${plan.root}/logs).`,
      );
      console.log(`DATABASE_URL=${formationUrl(plan)}`);
      console.log(
        `Patroni: curl -s ${plan.nodes[0]?.host}:${plan.nodes[0]?.restPort}/cluster   Stop: npm run ha:down${values.root ? ` -- --root ${values.root}` : ''}`,
      );
      return members ? 0 : 2;
    }
    case 'down':
      await stopFormation(root, log);
      return 0;
    default:
      throw new OpsRefusal('invalid-option', `Say up or down. Usage: ${usage}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof OpsRefusal) console.error(`${error.code}: ${error.message}`);
    else console.error('The HA formation failed:', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
