import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noCoreEscape = {
  patterns: [
    { group: ['electron', 'electron/*'], message: 'core/ must not import electron (DESIGN.md boundaries).' },
    { group: ['@aws-sdk/*'], message: 'core/ must not import @aws-sdk (DESIGN.md boundaries).' },
    { group: ['**/plugins/**', '**/renderer/**', '**/headless/**', '**/electron/**'], message: 'core/ imports only core/ (DESIGN.md boundaries).' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'out/**', 'renderer/dist/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['core/**/*.ts'], rules: { 'no-restricted-imports': ['error', noCoreEscape], 'no-console': 'error' } },
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/core/**', '!**/core/plugin-api.ts', '!**/core/plugin-api.js'], message: 'Plugins import only core/plugin-api.ts.' },
          { group: ['electron', '**/renderer/**', '**/headless/**'], message: 'Plugins import only core/plugin-api.ts.' },
        ],
      }],
      'no-console': 'error',
    },
  },
);
