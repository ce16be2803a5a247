// The browser end-to-end fixture: one headless Debian Chromium per test file (playwright-core, never a
// downloaded browser), and per test as many "apps" as it needs: a harness (the real core behind the
// typed bridge, serving the renderer that test/e2e/buildRenderer.ts built) with its own page in its
// own browser context. A test fails on any page error, console error, CSP violation, JavaScript
// dialog, popup, navigation away from the app or failed HTTP request of the page, even when its
// own assertions passed.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { inject, test as base } from 'vitest'
import { startHarness, type Harness, type HarnessOptions } from '../../scripts/harness/server'
import type { Logger } from '../../src/main/core/log'
import { target } from '../helpers/target'
import type { E2eContext } from './buildRenderer'

export { CHROMIUM, CHROMIUM_ARGS } from './chromium'
import { CHROMIUM, CHROMIUM_ARGS } from './chromium'

const VIEWPORT = { width: 1000, height: 680 }
/** Longest wait for one UI state (sign-in, a message arriving); generous for 2 busy cores. */
export const UI_TIMEOUT = 20_000

export interface AppOptions {
  /** For messages and screenshot names of failures. */
  name?: string
  /** Give the harness the test server's certificate (`extraCa`); default true. */
  trustServer?: boolean
  systemLocales?: string[]
}

export interface App {
  readonly name: string
  readonly page: Page
  readonly harness: Harness
  /** Saves a screenshot of the page (its viewport) into the run's screenshot folder; returns its path. */
  screenshot(file: string): Promise<string>
}

export type OpenApp = (options?: AppOptions) => Promise<App>

const e2e = (): E2eContext => inject('e2e')

/** A fresh local part (letters and digits), recognisable by its prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`
}

/** Keeps the core's log lines of one harness, to print when its test fails. */
function recordingLogger(lines: string[]): Logger {
  const add = (level: string) => (msg: string, data?: Record<string, unknown>) => {
    lines.push(`${level} ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`)
    if (lines.length > 200) lines.splice(0, lines.length - 200)
  }
  return { debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') }
}

interface CspEvent {
  violatedDirective: string
  blockedURI: string
  sourceFile: string
  lineNumber: number
}
/** The few page globals the fixture touches (this project type-checks without the DOM library). */
type PageGlobals = typeof globalThis & {
  __e2eCspViolations?: string[]
  document: { addEventListener(type: 'securitypolicyviolation', listener: (e: CspEvent) => void): void }
}

// Runs in the page before any of its scripts (CDP-injected, so the page's CSP does not apply to it).
function watchCsp(): void {
  const g = globalThis as PageGlobals
  const seen: string[] = []
  Object.defineProperty(g, '__e2eCspViolations', { value: seen })
  g.document.addEventListener('securitypolicyviolation', (e) => {
    seen.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`)
  })
}

interface Opened {
  app: App
  context: BrowserContext
  problems: string[]
  log: string[]
}

export const test = base
  // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
  .extend('browser', { scope: 'file' }, async ({}, { onCleanup }): Promise<Browser> => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
    onCleanup(() => browser.close())
    return browser
  })
  .extend('openApp', async ({ browser, task }, { onCleanup }): Promise<OpenApp> => {
    const { buildError, rendererRoot, screenshots } = e2e()
    if (buildError) throw new Error(`The renderer could not be built, so no e2e test can run:\n${buildError}`)
    const opened: Opened[] = []

    onCleanup(async () => {
      const failed = task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0
      const problems: string[] = []
      for (const { app, problems: own, log } of opened) {
        if (!app.page.isClosed()) {
          const csp = await app.page.evaluate(() => (globalThis as PageGlobals).__e2eCspViolations ?? []).catch(() => [])
          own.push(...csp.map((v) => `CSP violation: ${v}`))
          if (failed || own.length > 0) {
            const file = `failed-${slug(task.name)}-${slug(app.name)}.png`
            await app.page.screenshot({ path: path.join(screenshots, file) }).catch(() => undefined)
            console.log(`[e2e] ${app.name}: screenshot of the failure: ${path.join(screenshots, file)}`)
          }
        }
        if ((failed || own.length > 0) && log.length > 0) console.log(`[e2e] ${app.name}: core log (tail)\n${log.slice(-60).join('\n')}`)
        problems.push(...own.map((p) => `${app.name}: ${p}`))
      }
      // Pages first (nothing left to talk to the harnesses), then every harness even if one fails.
      await Promise.all(opened.map(({ context }) => context.close().catch(() => undefined)))
      const closing = await Promise.allSettled(opened.map(({ app }) => app.harness.close()))
      for (const [i, r] of closing.entries()) if (r.status === 'rejected') problems.push(`${opened[i]?.app.name}: closing the harness failed: ${String(r.reason)}`)
      if (problems.length > 0) throw new Error(`The page reported problems:\n${problems.join('\n')}`)
    })

    return async (options = {}) => {
      const name = options.name ?? `app${opened.length + 1}`
      const t = target()
      const log: string[] = []
      const harnessOptions: HarnessOptions = {
        root: rendererRoot,
        log: recordingLogger(log),
        ...(options.trustServer !== false && t.caPem ? { extraCa: [t.caPem] } : {}),
        ...(options.systemLocales ? { systemLocales: options.systemLocales } : {}),
        // The private Prosody's upload service is plain http on loopback.
        allowInsecureUploadForLoopback: true
      }
      const harness = await startHarness(harnessOptions)
      let context: BrowserContext
      let page: Page
      try {
        context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', reducedMotion: 'reduce' })
        page = await context.newPage()
      } catch (err) {
        await harness.close()
        throw err
      }
      const problems: string[] = []
      const app: App = {
        name,
        page,
        harness,
        screenshot: async (file) => {
          const where = path.join(screenshots, file)
          await page.screenshot({ path: where })
          return where
        }
      }
      opened.push({ app, context, problems, log })
      page.setDefaultTimeout(UI_TIMEOUT)
      await page.addInitScript(watchCsp)
      const origin = new URL(harness.url).origin
      page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`))
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`)
        else if (m.text().includes('Content Security Policy')) problems.push(`console (${m.type()}): ${m.text()}`)
      })
      page.on('dialog', (d) => {
        problems.push(`JavaScript dialog (${d.type()}): ${d.message()}`)
        void d.dismiss().catch(() => undefined)
      })
      page.on('popup', (p) => problems.push(`popup opened: ${p.url()}`))
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame() && !frame.url().startsWith(`${origin}/`)) problems.push(`navigated away to ${frame.url()}`)
      })
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`)
      })
      await page.goto(harness.url)
      return app
    }
  })

/** A computed CSS property of the element (what the page really applies). */
export function computedStyle(locator: Locator, property: string): Promise<string> {
  type Styles = { getComputedStyle(el: unknown): { getPropertyValue(p: string): string } }
  return locator.evaluate((el, p) => (globalThis as unknown as Styles).getComputedStyle(el).getPropertyValue(p), property)
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'test'
}
