/**
 * `npm run test:model -- --runs N [--seed S] [--commands M] [--backend postgres|pglite]`: the
 * model-based API test with more sequences than `npm test` runs. Without --seed a random seed is
 * drawn and printed, so a failure can be run again exactly; --backend runs one backend only.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '200' }, seed: { type: 'string' }, commands: { type: 'string', default: '30' }, backend: { type: 'string' } },
});
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
for (const [name, value] of [
  ['runs', values.runs],
  ['seed', seed],
  ['commands', values.commands],
] as const) {
  if (!/^\d+$/.test(value)) {
    console.error(`--${name} must be a whole number, got ${value}`);
    process.exit(2);
  }
}
if (values.backend !== undefined && values.backend !== 'postgres' && values.backend !== 'pglite') {
  console.error(`--backend must be postgres or pglite, got ${values.backend}`);
  process.exit(2);
}
if (values.backend === 'postgres' && !process.env.DATABASE_URL) {
  console.error('--backend postgres needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
  process.exit(2);
}
console.info(`model-based API test: ${values.runs} sequences of up to ${values.commands} commands, seed ${seed}`);
const result = spawnSync('npx', ['vitest', 'run', 'tests/model-api/'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    MODEL_API_RUNS: values.runs,
    MODEL_API_SEED: seed,
    MODEL_API_COMMANDS: values.commands,
    ...(values.backend ? { MODEL_API_BACKEND: values.backend } : {}),
  },
});
process.exit(result.status ?? 1);
