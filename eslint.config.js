import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.venv/', '.cache/', 'bench/results/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The SDK ships to producers: it must not pull in server code.
    files: ['src/sdk/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/catalog/**', '**/auth/**', '**/ingest/**', '**/wal/**', '**/delta/**', '**/server/**', '**/cli/**', '**/errors.js'],
              message: 'The SDK imports nothing from the server side.',
            },
          ],
        },
      ],
    },
  },
);
