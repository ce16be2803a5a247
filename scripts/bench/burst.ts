// Ingest of a 10,000-message burst, end to end: socket → parser → chat module → store (SQLite,
// file, WAL) → the renderer's batched `messages` events, next to a stock @xmpp/client (xmpp.js 0.14,
// counting `stanza` events) receiving the same bytes in the same run. A scripted TLS server writes
// the burst as fast as the client reads it, so the figures are the clients' own cost, not a
// server's. Also: the longest main-thread stall during the burst (event-loop delay, max).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createApi } from '../../src/main/core/api/createApi'
import { createCore } from '../../src/main/core/createCore'
import { memorySecrets, memorySettings } from '../../src/main/core/ports'
import { MessageStore } from '../../src/main/core/store/MessageStore'
import { startFakeServer } from '../../test/helpers/fakeServer'
import { loginPeer } from '../../test/unit/main/core/robustness/script'
import { median, type Row } from './table'

const N = Number(process.env['BURST_MESSAGES'] ?? 10_000)
const CHUNK = 64 * 1024

function burst(to: string): Buffer {
  const parts: string[] = []
  for (let i = 0; i < N; i++) {
    const body = i % 3 === 0 ? `你好，这是第 ${i} 条消息。明天北京见！` : `Message ${i}: see you at the café tomorrow 🌏`
    parts.push(
      `<message from='bob@localhost/phone' to='${to}' type='chat' id='b${i}'><body>${body}</body>` +
        `<origin-id xmlns='urn:xmpp:sid:0' id='b${i}'/><request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/></message>`
    )
  }
  return Buffer.from(parts.join(''), 'utf8')
}

async function pump(write: (b: Buffer) => Promise<void>, bytes: Buffer): Promise<void> {
  for (let i = 0; i < bytes.length; i += CHUNK) await write(bytes.subarray(i, i + CHUNK))
}

/** Parley: from the first byte written to the last message reaching the renderer's event stream. */
async function parley(): Promise<{ ms: number; stallMs: number; stored: number }> {
  const server = await startFakeServer({})
  const dir = mkdtempSync(join(tmpdir(), 'parley-burst-'))
  const core = createCore({ settings: memorySettings(), secrets: memorySecrets(), version: 'bench', extraCa: [server.certPem], store: MessageStore.open(join(dir, 'h.sqlite')) })
  const service = createApi(core, {
    app: { info: () => ({ name: 'Parley', version: 'bench', platform: process.platform, systemLocales: ['en'], harness: true }), openExternal: async () => undefined, openChatWindow: async () => undefined },
    ui: { get: () => ({ language: 'en', theme: 'system', sendTyping: false }), set: () => undefined }
  })
  try {
    const signIn = core.accounts.signIn({ jid: 'alice@localhost', password: 'pw', server: { host: '127.0.0.1', port: server.port, tls: 'starttls' } })
    const session = await loginPeer(await server.nextPeer())
    const id = await signIn
    await new Promise((r) => setTimeout(r, 300)) // the session's own queries are answered
    let got = 0
    const all = new Promise<void>((resolve) => service.on('messages', (list) => (got += list.length) >= N && resolve()))
    const bytes = burst('alice@localhost/r')
    const lag = monitorEventLoopDelay({ resolution: 5 })
    lag.enable()
    const t0 = performance.now()
    await pump((b) => session.write(b), bytes)
    await all
    const ms = performance.now() - t0
    lag.disable()
    const stored = core.store.conversation(id, 'bob@localhost')?.unread ?? 0
    return { ms, stallMs: lag.max / 1e6, stored }
  } finally {
    service.dispose()
    await core.accounts.stopAll()
    core.store.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The stock client: from the first byte written to its N-th `stanza` event (nothing stored, nothing shown). */
async function stock(): Promise<number> {
  const server = await startFakeServer({})
  const { client } = await import('@xmpp/client')
  // @xmpp/client has no TLS options: trust the fake server's certificate the way its tests do.
  const { default: Socket } = (await import('@xmpp/tls/lib/Socket.js' as string)) as { default: { prototype: { connect: (opts: object, ...rest: unknown[]) => void } } }
  const connect = Socket.prototype.connect
  Socket.prototype.connect = function (opts: object, ...rest: unknown[]) {
    return connect.call(this, { ...opts, ca: [server.certPem] }, ...rest)
  }
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.port}`, domain: 'localhost', username: 'alice', password: 'pw', resource: 'r' })
  xmpp.reconnect.stop()
  xmpp.on('error', () => undefined)
  try {
    const started = xmpp.start()
    const session = await loginPeer(await server.nextPeer())
    await started
    await new Promise((r) => setTimeout(r, 300))
    let got = 0
    const all = new Promise<void>((resolve) => xmpp.on('stanza', (s: { name: string }) => s.name === 'message' && ++got >= N && resolve()))
    const bytes = burst('alice@localhost/r')
    const t0 = performance.now()
    await pump((b) => session.write(b), bytes)
    await all
    return performance.now() - t0
  } finally {
    Socket.prototype.connect = connect
    await xmpp.stop().catch(() => undefined)
    await server.close()
  }
}

const RUNS = 3

export async function benchBurst(): Promise<Row[]> {
  const floors: number[] = []
  const runs: { ms: number; stallMs: number; stored: number }[] = []
  for (let i = 0; i < RUNS; i++) {
    floors.push(await stock())
    runs.push(await parley())
  }
  const floor = median(floors)
  const p = { ms: median(runs.map((r) => r.ms)), stallMs: Math.max(...runs.map((r) => r.stallMs)), stored: Math.min(...runs.map((r) => r.stored)) }
  return [
    { what: `stock @xmpp/client: ${N} messages received (parsed, no storage, no UI)`, value: floor, unit: 'ms', ratio: 1 },
    { what: `Parley: ${N} messages received, stored (SQLite) and pushed to the window`, value: p.ms, unit: 'ms', ratio: p.ms / floor },
    { what: `Parley: longest main-thread stall during the burst (worst of ${RUNS})`, value: p.stallMs, unit: 'ms' },
    { what: 'Parley: unread messages in the store afterwards (must be all)', value: p.stored, unit: 'msgs' }
  ]
}
