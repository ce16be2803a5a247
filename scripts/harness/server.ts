// The development and test harness: serves the built renderer to a browser tab and gives the page
// the same typed API the Electron preload gives it, over a WebSocket on 127.0.0.1 guarded by a
// random per-run token, backed by the real core. Never part of the packaged app.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { API_METHODS, EVENT_NAMES, type AppInfo, type EventName, type UiSettings } from '../../src/shared/ipc/contract'
import type { AccountId } from '../../src/shared/model/ids'
import { createApi, type ApiService } from '../../src/main/core/api/createApi'
import { createCore, type Core } from '../../src/main/core/createCore'
import type { Logger } from '../../src/main/core/log'
import { memorySecrets, memorySettings } from '../../src/main/core/ports'
import { dispatch } from '../../src/main/ipc/dispatch'

export interface HarnessOptions {
  /** Folder of the built renderer (default out/renderer). */
  root?: string
  port?: number
  /** Extra CA certificates the core trusts (a test server's). */
  extraCa?: string[]
  systemLocales?: string[]
  log?: Logger
  /** Upload slots on plain http to a loopback host (the private test Prosody's upload service). */
  allowInsecureUploadForLoopback?: boolean
}

export interface Harness {
  url: string
  token: string
  core: Core
  service: ApiService
  /** Links the page asked to open (the harness opens nothing). */
  opened: string[]
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const root = resolve(options.root ?? 'out/renderer')
  const token = randomBytes(24).toString('base64url')
  const core = createCore({
    settings: memorySettings(),
    secrets: memorySecrets(),
    version: 'harness',
    ...(options.extraCa ? { extraCa: options.extraCa } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.allowInsecureUploadForLoopback ? { allowInsecureUploadForLoopback: true } : {})
  })
  let ui: UiSettings = { language: 'system', theme: 'system', sendTyping: true }
  const opened: string[] = []
  const info: AppInfo = { name: 'Parley', version: 'harness', platform: process.platform, systemLocales: options.systemLocales ?? ['en-US'], harness: true }
  const service = createApi(core, {
    app: {
      info: () => info,
      openExternal: async (url) => {
        opened.push(url)
      },
      openChatWindow: async (account: AccountId, peer: string) => service.focusChat(account, peer)
    },
    ui: { get: () => ui, set: (next) => (ui = next) }
  })

  const http = createServer((req, res) => {
    serve(req, res).catch(() => {
      res.writeHead(500).end()
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 })
  await new Promise<void>((ok) => http.listen(options.port ?? 0, '127.0.0.1', ok))
  const port = (http.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`

  const tokenOk = (value: string | null): boolean => {
    const a = Buffer.from(value ?? '')
    const b = Buffer.from(token)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: only answer requests addressed to our loopback address.
    if (req.headers.host !== `127.0.0.1:${port}`) return void res.writeHead(421).end()
    const url = new URL(req.url ?? '/', origin)
    if (url.pathname === '/__harness/bridge.js') {
      if (!tokenOk(url.searchParams.get('t'))) return void res.writeHead(403).end()
      const body = await readFile(new URL('./bridge.js', import.meta.url))
      return void res.writeHead(200, { 'content-type': TYPES['.js'], 'cache-control': 'no-store' }).end(body)
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!tokenOk(url.searchParams.get('t'))) return void res.writeHead(403, { 'content-type': 'text/plain' }).end('Missing or wrong token')
      const html = await readFile(join(root, 'index.html'), 'utf8')
      return void res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' }).end(injectBridge(html, token, port))
    }
    const file = normalize(join(root, decodeURIComponent(url.pathname)))
    if (!file.startsWith(root + '/')) return void res.writeHead(404).end()
    try {
      const body = await readFile(file)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  }

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin)
    if (url.pathname !== '/__harness/ws' || req.headers.origin !== origin || req.headers.host !== `127.0.0.1:${port}` || !tokenOk(url.searchParams.get('t'))) {
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws))
  })

  function connect(ws: WebSocket): void {
    const unsubscribe: (() => void)[] = []
    const subscribed = new Set<EventName>()
    ws.on('message', (data) => {
      let msg: { id?: number; ns?: string; method?: string; args?: unknown[]; subscribe?: string }
      try {
        msg = JSON.parse(String(data), reviveBytes)
      } catch {
        return
      }
      if (typeof msg.subscribe === 'string') {
        const event = msg.subscribe as EventName
        if (!(EVENT_NAMES as readonly string[]).includes(event) || subscribed.has(event)) return
        subscribed.add(event)
        unsubscribe.push(service.on(event, (payload) => ws.send(JSON.stringify({ event, payload }))))
        return
      }
      if (typeof msg.id !== 'number' || typeof msg.ns !== 'string' || typeof msg.method !== 'string' || !Array.isArray(msg.args)) return
      const id = msg.id
      void dispatch(service.api, msg.ns, msg.method, msg.args).then((result) => ws.send(JSON.stringify({ id, result })))
    })
    ws.on('close', () => unsubscribe.forEach((off) => off()))
  }

  return {
    url: `${origin}/?t=${token}`,
    token,
    core,
    service,
    opened,
    close: async () => {
      for (const client of wss.clients) client.terminate()
      await core.accounts.stopAll()
      service.dispose()
      await new Promise<void>((ok) => http.close(() => ok()))
    }
  }
}

/** The page's `{ $bytes: base64 }` back into bytes, as Electron's IPC would have carried them. */
function reviveBytes(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as { $bytes?: unknown }).$bytes === 'string' && Object.keys(value).length === 1) {
    return new Uint8Array(Buffer.from((value as { $bytes: string }).$bytes, 'base64'))
  }
  return value
}

/** Puts the bridge script before the app and lets the page open a WebSocket to this harness only. */
function injectBridge(html: string, token: string, port: number): string {
  const methods = JSON.stringify(API_METHODS).replaceAll('"', '&quot;')
  const events = JSON.stringify(EVENT_NAMES).replaceAll('"', '&quot;')
  const tag = `<script src="/__harness/bridge.js?t=${token}" data-methods="${methods}" data-events="${events}"></script>`
  return html
    .replace("connect-src 'none'", `connect-src ws://127.0.0.1:${port}`)
    .replace('<script type="module"', `${tag}\n    <script type="module"`)
}
