/**
 * How many sequences the model test runs and from which seed. `npm test` runs a small fixed seed;
 * `npm run test:model -- --runs N [--seed S] [--commands M] [--backend postgres|pglite]` (run.ts)
 * passes longer runs through
 * the environment.
 */
export function modelRunSettings(env: NodeJS.ProcessEnv = process.env): {
  runs: number;
  seed: number;
  maxCommands: number;
  onlyBackend: 'postgres' | 'pglite' | undefined;
} {
  const read = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer, got ${text}`);
    return value;
  };
  const backend = env.MODEL_API_BACKEND;
  if (backend !== undefined && backend !== '' && backend !== 'postgres' && backend !== 'pglite')
    throw new RangeError(`MODEL_API_BACKEND must be postgres or pglite, got ${backend}`);
  return {
    runs: read('MODEL_API_RUNS', 10),
    seed: read('MODEL_API_SEED', 2_203),
    maxCommands: read('MODEL_API_COMMANDS', 25),
    onlyBackend: backend === 'postgres' || backend === 'pglite' ? backend : undefined,
  };
}
