import nx from '@nx/eslint-plugin';

// Layering (see docs/architecture.md): core <- plugins <- cli; native is a leaf at run time that only
// core loads (dynamically, by a name in a variable). The core/native interface is declared once, in core
// (packages/core/src/runtime/backend/native-api.ts): native's source may import core's *types* only, its
// tests may use core's kernel layers; core may not import native at all (packages/native/README.md).
// A wrong import is a lint error naming the allowed layers.
const CORE_LOADS_NATIVE =
  "core loads @kt/native only at run time, through installNativeKernels / loadNativeModule " +
  '(runtime/backend/native-accelerator.ts); declare what core needs of it in runtime/backend/native-api.ts.';
const NATIVE_IS_A_LEAF =
  '@kt/native is a leaf at run time: its source may use core\'s types (`import type ... from \'@kt/core\'`), ' +
  'never its code (core registers the kernels native hands it).';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/build', '**/.nx', 'runs', 'tmp'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Type imports only in native's src (see the no-restricted-imports blocks below).
            { sourceTag: 'layer:native', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'layer:support', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:plugin', onlyDependOnLibsWithTags: ['layer:core', 'layer:support'] },
            { sourceTag: 'layer:cli', onlyDependOnLibsWithTags: ['layer:core', 'layer:plugin'] },
            { sourceTag: 'layer:tools', onlyDependOnLibsWithTags: ['layer:core', 'layer:support', 'layer:plugin', 'layer:cli'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true, allowTypedFunctionExpressions: true }],
    },
  },
  {
    // Workspace scripts (tools/bench, tools/demo): node ES modules over the BUILT packages, reached through
    // their public entry points (`import … from '@kt/core'`), never through packages/*/dist internals.
    files: ['tools/**/*.mjs'],
    languageOptions: {
      sourceType: 'module',
      ecmaVersion: 2022,
      globals: Object.fromEntries(
        ['process', 'console', 'performance', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setImmediate', 'structuredClone', 'AbortController', 'TextDecoder', 'TextEncoder'].map((g) => [g, 'readonly']),
      ),
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [{ sourceTag: 'layer:tools', onlyDependOnLibsWithTags: ['layer:core', 'layer:support', 'layer:plugin', 'layer:cli'] }],
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/dist', '**/dist/**', '**/packages/**', '@kt/*/*'], message: "import the package's public entry point ('@kt/core', '@kt/mt', …)" }] },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression Literal[value=/(^|[\\\\/])(dist|packages)([\\\\/]|$)/]',
          message: "reach packages through their public entry point (import … from '@kt/core'), not a path into packages/ or dist/",
        },
      ],
      'no-undef': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['packages/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: '@kt/native', message: CORE_LOADS_NATIVE }], patterns: [{ group: ['@kt/native/*'], message: CORE_LOADS_NATIVE }] },
      ],
    },
  },
  {
    files: ['packages/native/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@kt/core', allowTypeImports: true, message: NATIVE_IS_A_LEAF }],
          patterns: [{ group: ['@kt/core/*'], message: NATIVE_IS_A_LEAF }],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/explicit-function-return-type': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
