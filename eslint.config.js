import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import coverdesk from './build/eslint-boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', 'bench-results/**', 'test-output/**', '.data/**', '**/.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { coverdesk },
    rules: {
      // Every boundary folder imports only what its README's table allows (build/eslint-boundaries.js).
      'coverdesk/boundaries': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure domain core and the wire contract may not reach for I/O: they run in the server,
    // the desk backend and the renderer alike.
    files: ['sync-server/domain/**/*.ts', 'sync-server/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'pg', '@electric-sql/*', 'fastify', '../src/*', '../../*'],
              message: 'The domain core and contract are pure: no I/O imports.',
            },
          ],
        },
      ],
    },
  },
);
