import nx from '@nx/eslint-plugin';

// Layering (see docs/architecture.md): core <- plugins <- cli; native is a leaf that
// only core may load. A wrong import is a lint error naming the allowed layers.
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
            { sourceTag: 'layer:native', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'layer:core', onlyDependOnLibsWithTags: ['layer:native'] },
            { sourceTag: 'layer:support', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:plugin', onlyDependOnLibsWithTags: ['layer:core', 'layer:support'] },
            { sourceTag: 'layer:cli', onlyDependOnLibsWithTags: ['layer:core', 'layer:plugin'] },
            { sourceTag: 'layer:tools', onlyDependOnLibsWithTags: ['layer:core', 'layer:plugin', 'layer:cli'] },
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
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/explicit-function-return-type': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
