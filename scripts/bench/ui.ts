// The bar from the brief, measured in headless Chromium against a private Prosody: how long the
// window takes to show a 1,000- and a 5,000-contact roster after the account comes online, and a
// burst of 1,000 incoming messages in an open chat, with the longest main-thread task (Long Tasks
// API) in each; next to floors measured in the same run (the bare roster fetch and the bare
// delivery of the burst by the server). Converse.js 14 needs 18 s for 1,000 contacts (one 11 s
// freeze), never shows 5,000, and 62 s for 1,000 messages (figures from the brief).
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import v8 from 'node:v8'
import vm from 'node:vm'
import { chromium, type Page } from 'playwright-core'
import { startHarness } from '../harness/server'
import { createCore, type Core } from '../../src/main/core/createCore'
import { memorySecrets, memorySettings } from '../../src/main/core/ports'
import { xml } from '../../src/main/core/xml'
import { startProsody, type ProsodyServer } from '../../test/helpers/prosody'
import { CHROMIUM, CHROMIUM_ARGS } from '../../test/e2e/chromium'
import { en } from '../../src/renderer/src/i18n/en'
import type { Row } from './table'

const BURST = 1000

/** Page-side probes, injected before the app: long tasks and the bridge's traffic, timestamped. */
const PROBE = `(() => {
  const w = window
  w.__bench = { longest: 0, tasks: [], contacts: 0, contactsAt: 0, messages: 0, messagesAt: 0, want: 0, wantMessages: 0 }
  new PerformanceObserver((list) => { for (const e of list.getEntries()) { w.__bench.tasks.push([e.startTime, e.duration]) } }).observe({ type: 'longtask', buffered: true })
  const Native = w.WebSocket
  w.WebSocket = class extends Native {
    constructor(...args) {
      super(...args)
      // Parsed again in a task of its own, so the probe does not lengthen the app's task.
      this.addEventListener('message', (e) => setTimeout(() => {
        const b = w.__bench
        let msg
        try { msg = JSON.parse(e.data) } catch { return }
        if (msg.event === 'contacts') { b.contacts += msg.payload.upsert.length; if (b.want && b.contacts >= b.want && !b.contactsAt) b.contactsAt = performance.now() }
        if (msg.event === 'messages') { b.messages += msg.payload.length; if (b.wantMessages && b.messages >= b.wantMessages && !b.messagesAt) b.messagesAt = performance.now() }
      }))
    }
  }
})()`

function core(server: ProsodyServer): Core {
  return createCore({ settings: memorySettings(), secrets: memorySecrets(), version: 'bench', extraCa: [server.certPem] })
}

const over = (server: ProsodyServer) => ({ host: '127.0.0.1', port: server.c2sPort, tls: 'starttls' as const })

/**
 * An account with `n` roster items (in groups). Written straight into Prosody's store while the
 * account is offline: adding 5,000 items by roster sets is quadratic in Prosody's file storage.
 */
async function bigRoster(server: ProsodyServer, name: string, n: number): Promise<void> {
  server.register(name, server.domain, 'pw')
  const enc = (s: string) => s.replace(/\W/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  const items = Array.from({ length: n }, (_, j) => {
    const jid = `contact${String(j).padStart(5, '0')}@${server.domain}`
    return `[${JSON.stringify(jid)}] = { subscription = "both"; name = ${JSON.stringify(`联系人 Contact ${j}`)}; groups = { [${JSON.stringify(`Group ${j % 20}`)}] = true } };`
  })
  const dir = path.join(server.dataDir, enc(server.domain), 'roster')
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, `${enc(name)}.dat`), `return {\n[false] = { version = 1; pending = {} };\n${items.join('\n')}\n};\n`)
}

/** Floor: the same account logging in and fetching its roster, nothing shown (Parley's core, in Node). */
async function rosterFloor(server: ProsodyServer, name: string): Promise<number> {
  const c = core(server)
  const t0 = performance.now()
  const id = await c.accounts.signIn({ jid: `${name}@${server.domain}`, password: 'pw', server: over(server) })
  const a = c.accounts.get(id)
  await a.client.iqCaller.get(xml('query', { xmlns: 'jabber:iq:roster' }))
  const ms = performance.now() - t0
  await c.accounts.stopAll()
  return ms
}

v8.setFlagsFromString('--expose_gc')
const nodeGc = vm.runInNewContext('gc') as () => void

/** Live JS heap after a full collection: the page's (the window) and this process's (the core, as in Electron's main). */
async function heaps(page: Page): Promise<{ page: number; node: number }> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('HeapProfiler.collectGarbage')
  const { usedSize } = await cdp.send('Runtime.getHeapUsage')
  await cdp.detach()
  nodeGc()
  return { page: usedSize / 2 ** 20, node: process.memoryUsage().heapUsed / 2 ** 20 }
}

async function longest(page: Page, from: number, to: number): Promise<number> {
  return page.evaluate(
    ([a, b]) => Math.max(0, ...(globalThis as unknown as { __bench: { tasks: [number, number][] } }).__bench.tasks.filter(([s, d]) => s + d >= a && s <= b).map(([, d]) => d)),
    [from, to] as const
  )
}

/** Time from signing the account in to its whole roster delivered to the page and painted. */
async function showRoster(page: Page, harness: Awaited<ReturnType<typeof startHarness>>, server: ProsodyServer, name: string, n: number) {
  await page.getByRole('tab', { name: en['tabs.contacts'] }).click()
  await page.evaluate((want) => Object.assign((globalThis as unknown as { __bench: object }).__bench, { want, contacts: 0, contactsAt: 0 }), n)
  const cdp = process.env['UI_BENCH_PROFILE'] ? await page.context().newCDPSession(page) : null
  if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start') }
  const t0 = await page.evaluate(() => performance.now())
  // Cold: the account signs in for the first time (no cached roster), as the floor does.
  const id = await harness.core.accounts.signIn({ jid: `${name}@${server.domain}`, password: 'pw', server: over(server) })
  await page.waitForFunction(() => (globalThis as unknown as { __bench: { contactsAt: number } }).__bench.contactsAt > 0, undefined, { timeout: 60_000 })
  // Painted: two frames after the data arrived, with the first contact row visible.
  await page.getByText('联系人 Contact 0', { exact: true }).first().waitFor({ timeout: 60_000 })
  const t1 = await page.evaluate(() => new Promise<number>((r) => (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame(() => (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame(() => r(performance.now())))))
  if (cdp) {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] } }
    const self = new Map<number, number>()
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
    const byFn = new Map<string, number>()
    for (const n of profile.nodes) { const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; byFn.set(k, (byFn.get(k) ?? 0) + (self.get(n.id) ?? 0)) }
    console.log([...byFn].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(v / 1000).toFixed(1)} ms  ${k}`).join('\n'))
  }
  return { ms: t1 - t0, longest: await longest(page, t0, t1), id }
}

export async function benchUi(): Promise<Row[]> {
  // The harness serves the built renderer: measure the current source, not a missing or stale build.
  if (!existsSync('out/renderer/index.html')) throw new Error('No built renderer in out/renderer: run `npm run build` first (npm run bench and npm run bench:ui do)')
  const server = await startProsody({ logLevel: 'warn' })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  const rows: Row[] = []
  const registered = new Set<string>()
  try {
    for (const n of (process.env["UI_BENCH_SIZES"] ?? "1000,5000").split(",").map(Number)) {
      const name = `roster${n}`
      await bigRoster(server, name, n)
      const floor = await rosterFloor(server, name)
      const harness = await startHarness({ extraCa: [server.certPem], systemLocales: ['en-US'] })
      const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage()
      await page.addInitScript(PROBE)
      await page.goto(harness.url)
      await page.getByRole('heading').first().waitFor()
      // Past onboarding: a first, empty account is signed in before the measured one.
      if (!registered.has('viewer')) server.register('viewer', server.domain, 'pw')
      registered.add('viewer')
      await harness.core.accounts.signIn({ jid: `viewer@${server.domain}`, password: 'pw', server: over(server) })
      await page.getByRole('tab', { name: en['tabs.contacts'] }).waitFor()
      const empty = await heaps(page)
      const r = await showRoster(page, harness, server, name, n)
      const full = await heaps(page)
      rows.push({ what: `roster of ${n}: floor (log in + roster get, nothing shown)`, value: floor, unit: 'ms', ratio: 1 })
      rows.push({ what: `roster of ${n}: signed in and shown in the window`, value: r.ms, unit: 'ms', ratio: r.ms / floor })
      rows.push({ what: `roster of ${n}: longest main-thread task over 50 ms meanwhile (0 = none)`, value: r.longest, unit: 'ms' })
      rows.push({ what: `roster of ${n}: window JS heap (floor: the same window before)`, value: full.page, unit: 'MiB', ratio: full.page / empty.page })
      rows.push({ what: `roster of ${n}: core JS heap, Node (floor: before)`, value: full.node, unit: 'MiB', ratio: full.node / empty.node })
      if (n === 1000) rows.push(...(await burst(page, harness, server, r.id)))
      await page.context().close()
      await harness.close()
    }
  } finally {
    await browser.close()
    await server.cleanup()
  }
  return rows
}

/** 1,000 messages from a contact into the open chat; floor: a bare Parley core receiving the same burst. */
async function burst(page: Page, harness: Awaited<ReturnType<typeof startHarness>>, server: ProsodyServer, id: string): Promise<Row[]> {
  server.register('sender', server.domain, 'pw')
  const sender = core(server)
  const from = await sender.accounts.signIn({ jid: `sender@${server.domain}`, password: 'pw', server: over(server) })
  const me = harness.core.accounts.get(id as never).bareJid
  const floor = await burstFloor(server, sender, from)
  // Open the chat with the sender in the window.
  await harness.service.api.chats.open(id as never, `sender@${server.domain}`)
  await page.getByRole('tab', { name: en['tabs.chats'] }).click()
  await page.getByText('sender', { exact: true }).first().click()
  await page.evaluate((want) => Object.assign((globalThis as unknown as { __bench: object }).__bench, { wantMessages: want, messages: 0, messagesAt: 0 }), BURST)
  const t0 = await page.evaluate(() => performance.now())
  for (let i = 0; i < BURST; i++) sender.conversations.send(from, me, `burst ${String(i).padStart(4, '0')} 你好`)
  await page.waitForFunction(() => (globalThis as unknown as { __bench: { messagesAt: number } }).__bench.messagesAt > 0, undefined, { timeout: 120_000 })
  await page.getByRole('main').getByText(`burst ${String(BURST - 1).padStart(4, '0')} 你好`, { exact: true }).waitFor({ timeout: 60_000 })
  const t1 = await page.evaluate(() => new Promise<number>((r) => (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame(() => (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame(() => r(performance.now())))))
  const ms = t1 - t0
  const task = await longest(page, t0, t1)
  await sender.accounts.stopAll()
  return [
    { what: `${BURST} incoming messages: floor (a bare Parley core receives them, nothing shown)`, value: floor, unit: 'ms', ratio: 1 },
    { what: `${BURST} incoming messages: shown in the open chat (sent through Prosody)`, value: ms, unit: 'ms', ratio: ms / floor },
    { what: `${BURST} incoming messages: longest main-thread task over 50 ms meanwhile (0 = none)`, value: task, unit: 'ms' }
  ]
}

/** Floor for the burst: the same 1,000 messages through the same Prosody into a Parley core in Node. */
async function burstFloor(server: ProsodyServer, sender: Core, from: Parameters<Core['conversations']['send']>[0]): Promise<number> {
  server.register('floor', server.domain, 'pw')
  const rx = core(server)
  await rx.accounts.signIn({ jid: `floor@${server.domain}`, password: 'pw', server: over(server) })
  let got = 0
  const done = new Promise<void>((resolve) => rx.events.on('message', () => { if (++got === BURST) resolve() }))
  const t0 = performance.now()
  for (let i = 0; i < BURST; i++) sender.conversations.send(from, `floor@${server.domain}`, `floor ${i}`)
  await done
  const ms = performance.now() - t0
  await rx.accounts.stopAll()
  return ms
}
