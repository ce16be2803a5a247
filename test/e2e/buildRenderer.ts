// Global setup of the `e2e` project: builds the renderer once per run into a folder of its own
// (test-results/e2e/run-<pid>/renderer, removed again at the end), so the browser tests always see the
// current source and never race with an `electron-vite build` of out/ or with another test run in
// the same checkout. Only the renderer is built, with the project's own electron-vite config, in a
// child process (vitest's process has NODE_ENV=test, which would give a development build). Also
// prepares and prints the screenshot folder.
import { spawn } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { TestProject } from 'vitest/node'

export interface E2eContext {
  /** The built renderer the harness serves. */
  rendererRoot: string
  /** Where the tests write their screenshots. */
  screenshots: string
  /** Why the build failed (every e2e test then fails with it; the other projects still run). */
  buildError: string | null
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eContext
  }
}

const BUILD_SCRIPT = `
import { resolveConfig } from 'electron-vite'
import { build } from 'vite'
const { config } = await resolveConfig({ build: { outDir: process.argv[1] }, logLevel: 'warn' }, 'build', 'production')
if (!config?.renderer) throw new Error('electron.vite.config.ts has no renderer config')
await build(config.renderer)
`

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = project.config.root
  const outDir = path.join(root, 'test-results', 'e2e', `run-${process.pid}`)
  const screenshots = path.join(root, 'test-results', 'e2e-screenshots')
  const rendererRoot = path.join(outDir, 'renderer')
  await rm(screenshots, { recursive: true, force: true })
  await mkdir(screenshots, { recursive: true })
  const t0 = performance.now()
  let buildError: string | null = null
  try {
    await rm(outDir, { recursive: true, force: true })
    await buildRenderer(root, outDir)
    console.log(`[e2e] renderer built in ${Math.round(performance.now() - t0)} ms: ${rendererRoot}`)
  } catch (err) {
    buildError = err instanceof Error ? err.message : String(err)
    console.error(buildError)
  }
  project.provide('e2e', { rendererRoot, screenshots, buildError })
  console.log(`e2e screenshots: ${screenshots}`)
  return async () => {
    await rm(outDir, { recursive: true, force: true })
  }
}

function buildRenderer(root: string, outDir: string): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', NODE_ENV_ELECTRON_VITE: 'production' }
  delete env.VITEST
  delete env.TEST
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', BUILD_SCRIPT, outDir], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`[e2e] building the renderer failed (${signal ?? `exit ${code}`}):\n${output}`))
    })
  })
}
