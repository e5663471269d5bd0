import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

const root = path.dirname(new URL(import.meta.url).pathname);

/**
 * The import boundaries of DESIGN.md, checked on resolved paths: `core/` imports no electron,
 * no @aws-sdk, and nothing from plugins/, renderer/, headless/ or electron/; plugins import
 * only core/plugin-api.ts.
 */
const boundaries = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const file = path.relative(root, context.filename);
    const part = file.split(path.sep)[0];
    if (part === 'renderer') return rendererBoundary(context);
    if (part !== 'core' && part !== 'plugins') return {};
    const check = (node) => {
      const spec = node.source.value;
      if (typeof spec !== 'string') return;
      const report = (why) => context.report({ node, message: `${spec}: ${why} (DESIGN.md boundaries)` });
      if (part === 'core' && (spec === 'electron' || spec.startsWith('electron/') || spec.startsWith('@aws-sdk/'))) return report('core/ must not import electron or @aws-sdk');
      if (!spec.startsWith('.')) return;
      const target = path.relative(root, path.resolve(path.dirname(context.filename), spec));
      const top = target.split(path.sep)[0];
      if (part === 'core' && top !== 'core') return report('core/ imports only core/');
      if (part === 'plugins' && top === 'core' && target !== path.join('core', 'plugin-api.ts')) return report('plugins import only core/plugin-api.ts from core');
      if (part === 'plugins' && ['renderer', 'headless', 'electron'].includes(top)) return report('plugins import only core/plugin-api.ts');
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: (n) => n.source && check(n), ExportAllDeclaration: check, ImportExpression: (n) => n.source.type === 'Literal' && check({ ...n, source: n.source }) };
  },
};

/** renderer/ talks HTTP only: from core it takes types (`import type`), nothing that runs. */
function rendererBoundary(context) {
  const check = (node) => {
    const spec = node.source?.value;
    if (typeof spec !== 'string' || !spec.startsWith('.')) return;
    const target = path.relative(root, path.resolve(path.dirname(context.filename), spec)).split(path.sep)[0];
    if (target !== 'renderer' && node.importKind !== 'type' && node.exportKind !== 'type') context.report({ node, message: `${spec}: renderer/ imports only types from outside renderer/ (import type) (DESIGN.md boundaries)` });
  };
  return { ImportDeclaration: check, ExportNamedDeclaration: (n) => n.source && check(n), ExportAllDeclaration: check };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'out/**', 'renderer/dist/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', setImmediate: 'readonly' } },
    plugins: { coalition: { rules: { boundaries } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'coalition/boundaries': 'error',
    },
  },
  { files: ['core/**/*.ts', 'plugins/**/*.ts'], rules: { 'no-console': 'error' } },
  ...pluginVue.configs['flat/recommended'].map((c) => ({ ...c, files: ['renderer/**/*.vue'] })),
  {
    files: ['renderer/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
    rules: { 'vue/max-attributes-per-line': 'off', 'vue/singleline-html-element-content-newline': 'off', 'vue/html-self-closing': 'off', 'vue/multiline-html-element-content-newline': 'off', 'vue/html-indent': 'off', 'vue/html-closing-bracket-newline': 'off', 'vue/first-attribute-linebreak': 'off', 'vue/attribute-hyphenation': 'off', 'vue/v-on-event-hyphenation': 'off' },
  },
  { files: ['renderer/**/*.ts', 'renderer/**/*.vue'], languageOptions: { globals: { ...globals.browser } } },
);
