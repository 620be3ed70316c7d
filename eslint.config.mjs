// ESLint for the whole repository (run by ./scripts/test): typescript-eslint's recommended rules,
// and the layers that must not lean on one another, so an editor shows a wrong import as it is typed
// (test/unit/layering.test.ts checks the core's inner layers in full).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The import rule of one host: none of the other hosts' folders, and VS Code's API only where it runs. */
function hostRule(folder, others, noVscode) {
  const message = `${folder} is a host of its own: it shares src/core with the others and imports none of them.`;
  return {
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noVscode ? [{ name: 'vscode', message: `${folder} runs with no VS Code.` }] : [],
          patterns: [{ group: others.map((other) => `**/${other}/**`), message }],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', 'test-results/**', '.tmp/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always'],
      // A closure that reads a variable assigned once after it (a server's handler and the server).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Terminal escape sequences are what the product reads and writes.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests and benchmarks read JSON bodies loosely and load modules in a set order (mocha's suites, a shipped bundle).
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The core never imports vscode: it runs in the keeper and the CLI too. Take what it needs as an option.' }],
          patterns: [{ group: ['**/vscode/**', '**/cli/**', '**/keeper/**', '**/extension'], message: 'The core is imported by the hosts, never the other way round.' }],
        },
      ],
    },
  },
  // The hosts (the VS Code side, the CLI, the keeper) share the core and never import one another.
  hostRule('src/vscode', ['cli', 'keeper'], false),
  hostRule('src/cli', ['vscode', 'keeper'], true),
  hostRule('src/keeper', ['vscode', 'cli'], true),
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly' } },
  },
);
