import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * Import boundaries per folder (see ../shared/STYLE.md): what runs where may only import what that
 * runtime has, and the protocol core never touches Electron.
 */
const nodeBuiltins = { group: ['node:*'], message: 'Node built-ins are not available here.' }
const electron = { group: ['electron', 'electron/*', 'electron-store'], message: 'Electron belongs in src/main/{app,ipc,platform} and src/preload only.' }
const xmpp = { group: ['@xmpp/*'], message: 'XMPP libraries belong in src/main/core.' }
const svelteImport = { group: ['svelte', 'svelte/*'], message: 'Svelte belongs in src/renderer.' }

const restrict = (...patterns) => ['error', { patterns }]

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '.vite/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2024, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: 'Never build DOM from strings.' }]
    }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    rules: { 'svelte/no-at-html-tags': 'error' }
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': restrict(nodeBuiltins, electron, xmpp, svelteImport, { group: ['**/main/**', '**/preload/**', '**/renderer/**'], message: 'src/shared imports only itself.' })
    }
  },
  {
    files: ['src/main/core/**'],
    rules: {
      'no-restricted-imports': restrict(electron, svelteImport, {
        regex: '^(\\.\\./)+(app|ipc|platform)(/|$)|/main/(app|ipc|platform)/',
        message: 'The core must not depend on the Electron shell.'
      })
    }
  },
  {
    files: ['src/main/app/**', 'src/main/ipc/**', 'src/main/platform/**', 'src/main/index.ts'],
    rules: {
      'no-restricted-imports': restrict(svelteImport, { group: ['**/preload/**', '**/renderer/**'], message: 'Main does not import preload or renderer code.' })
    }
  },
  {
    files: ['src/preload/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict(nodeBuiltins, xmpp, svelteImport, { group: ['**/main/**', '**/renderer/**'], message: 'The preload exposes the shared contract only.' })
    }
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict(nodeBuiltins, electron, xmpp, { group: ['**/main/**', '**/preload/**'], message: 'The renderer talks to main only through window.parley.' })
    }
  },
  {
    files: ['scripts/harness/bridge.js', 'test/e2e/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } }
  },
  {
    files: ['test/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // vi.mock factories and dynamic imports after mocks need `typeof import(...)`.
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false, fixStyle: 'inline-type-imports' }]
    }
  }
)
