import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'
import { defineConfig } from 'vitest/config'

// Four projects: `unit` (plain Node: core, shared, main shell with electron mocked),
// `renderer` (Svelte components and state in a DOM), `integration` (the core against a private
// Prosody that the global setup starts on loopback), `e2e` (the built renderer in Debian's headless
// Chromium through the harness, against a private Prosody of its own).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/unit/main/**/*.test.ts', 'test/unit/shared/**/*.test.ts'],
          // Dependencies that import `electron` must be inlined so that vi.mock('electron') reaches them.
          server: { deps: { inline: ['electron-store'] } }
        }
      },
      {
        plugins: [svelte({ configFile: 'svelte.config.js' }), svelteTesting()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['test/unit/renderer/**/*.test.ts']
        }
      },
      {
        test: {
          name: 'integration',
          environment: 'node',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/globalSetup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // One server for the whole run; files share it but use their own accounts.
          fileParallelism: true
        }
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.e2e.test.ts'],
          // A private Prosody (or the external XMPP_TEST_* server), then one renderer build per run.
          globalSetup: ['test/integration/globalSetup.ts', 'test/e2e/buildRenderer.ts'],
          testTimeout: 90_000,
          hookTimeout: 60_000,
          // A browser and several cores per test: one file at a time on 2 cores.
          fileParallelism: false
        }
      }
    ]
  }
})
