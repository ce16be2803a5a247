// A scripted fake XMPP server on loopback: the test reads what the client sent and writes the server's side
// byte by byte, so hostile or broken server behaviour (and the client's TLS rules) can be tested without a real
// server. STARTTLS and direct TLS use a throwaway self-signed cert (SAN localhost, fake.test, 127.0.0.1).
import { execFile } from 'node:child_process'
import { X509Certificate, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Duplex } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import tls from 'node:tls'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

const DEFAULT_TIMEOUT_MS = 5_000
const TLS_HANDSHAKE_RECORD = 0x16 // first byte of a ClientHello; never valid in XML text

export interface FakeServer {
  port: number
  certPem: string
  fingerprint256: string // colon-separated uppercase hex, as Node's X509Certificate.fingerprint256
  nextPeer(timeoutMs?: number): Promise<FakePeer>
  close(): Promise<void>
}

export interface FakePeer {
  // All text received since the previous readUntil, up to and including the first match
  readUntil(pattern: RegExp | string, timeoutMs?: number): Promise<string>
  write(data: string | Buffer): Promise<void>
  // Server side of STARTTLS: call right after writing <proceed/>
  startTls(): Promise<void>
  // Every byte from the client in order: plaintext before TLS, decrypted after (TLS records themselves excluded)
  received(): Buffer
  receivedText(): string
  readonly closed: Promise<void>
  readonly tlsError: Error | null // e.g. the client rejected our certificate
  readonly servername: string | null // SNI the client sent in its TLS ClientHello (null: none, or no TLS yet)
  readonly alpnOffered: readonly string[] | null // ALPN protocols the client offered (null: no ALPN extension)
  end(): void
  destroy(): void
}

export interface FakeCert {
  certPem: string
  keyPem: string
  fingerprint256: string
}

// ---- script helpers ----

export function streamHeader(domain: string, id: string): string {
  return (
    `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' ` +
    `from='${domain}' id='${id}' version='1.0' xml:lang='en'>`
  )
}

export function features(...children: string[]): string {
  return `<stream:features>${children.join('')}</stream:features>`
}

export function starttlsFeature(required = true): string {
  return `<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>${required ? '<required/>' : ''}</starttls>`
}

export function mechanisms(...names: string[]): string {
  const list = names.map((n) => `<mechanism>${n}</mechanism>`).join('')
  return `<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${list}</mechanisms>`
}

export const PROCEED = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"

// Reads the client's stream header and answers with ours; resolves with what the client sent.
export async function acceptStream(peer: FakePeer, domain: string, id = randomBytes(8).toString('hex')): Promise<string> {
  const header = await peer.readUntil(/<stream:stream\b[^>]*>/)
  await peer.write(streamHeader(domain, id))
  return header
}

// ---- certificate: one per process ----

let certPromise: Promise<FakeCert> | null = null

export function fakeCert(): Promise<FakeCert> {
  certPromise ??= makeCert().catch((err: unknown) => {
    certPromise = null // let the next caller retry
    throw err
  })
  return certPromise
}

async function makeCert(): Promise<FakeCert> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-fake-cert-'))
  try {
    const keyPath = path.join(dir, 'key.pem')
    const certPath = path.join(dir, 'cert.pem')
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
      '-keyout', keyPath, '-out', certPath, '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,DNS:fake.test,IP:127.0.0.1'
    ])
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')])
    return { certPem, keyPem, fingerprint256: new X509Certificate(certPem).fingerprint256 }
  } finally {
    await rm(dir, { recursive: true, force: true }) // the PEMs live on in memory
  }
}

// ---- server ----

export async function startFakeServer(o: { directTls?: boolean } = {}): Promise<FakeServer> {
  const cert = await fakeCert()
  const context = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem })
  const server = new ScriptedServer(cert, context, o.directTls ?? false)
  await server.listen()
  return server
}

class ScriptedServer implements FakeServer {
  port = 0
  readonly certPem: string
  readonly fingerprint256: string
  private readonly server: net.Server
  private readonly waiting: Peer[] = []
  private readonly all = new Set<Peer>()
  private wake: (() => void) | null = null

  constructor(cert: FakeCert, context: tls.SecureContext, directTls: boolean) {
    this.certPem = cert.certPem
    this.fingerprint256 = cert.fingerprint256
    this.server = net.createServer((socket) => {
      const peer = new Peer(socket, context)
      if (directTls) peer.startTls().catch(() => {}) // failures surface through tlsError, closed and readUntil
      this.all.add(peer)
      this.waiting.push(peer)
      this.wake?.()
    })
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port
        resolve()
      })
    })
  }

  async nextPeer(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<FakePeer> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const peer = this.waiting.shift()
      if (peer) return peer
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`fake server: no client connected to 127.0.0.1:${this.port} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wake = null
    }
  }

  async close(): Promise<void> {
    for (const peer of this.all) peer.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

// ---- one client connection ----

class Peer implements FakePeer {
  readonly closed: Promise<void>
  tlsError: Error | null = null
  servername: string | null = null
  alpnOffered: readonly string[] | null = null
  private readonly raw: net.Socket
  private readonly context: tls.SecureContext
  private readonly chunks: Buffer[] = []
  private readonly decoder = new StringDecoder('utf8')
  private text = ''
  private cursor = 0
  private reading = false
  private wake: (() => void) | null = null
  private secure: tls.TLSSocket | null = null
  private bridge: Duplex | null = null
  private early: Buffer[] = [] // TLS records that arrived before startTls() was called
  private rawEnded = false
  private rawClosed = false
  private secureClosed = false
  private markClosed: () => void = () => {}

  constructor(raw: net.Socket, context: tls.SecureContext) {
    this.raw = raw
    this.context = context
    this.closed = new Promise((resolve) => (this.markClosed = resolve))
    raw.setNoDelay(true)
    raw.on('data', (chunk: Buffer) => this.onRawData(chunk))
    raw.on('end', () => this.endBridge())
    raw.on('error', () => {}) // resets by the client are expected in hostile tests; 'close' follows
    raw.on('close', () => {
      this.rawClosed = true
      this.endBridge()
      // A TLS socket over a stream bridge sees the client's close_notify/FIN as 'end' but never closes by
      // itself; end it once pending decrypted data has been delivered.
      setImmediate(() => this.secure?.destroy())
      this.checkClosed()
    })
  }

  received(): Buffer {
    // Without startTls(), stray TLS records are still bytes the client sent
    return Buffer.concat(this.bridge ? this.chunks : [...this.chunks, ...this.early])
  }

  receivedText(): string {
    return this.received().toString('utf8')
  }

  async readUntil(pattern: RegExp | string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    if (this.reading) throw new Error('readUntil: a previous readUntil is still waiting')
    this.reading = true
    try {
      return await this.scan(pattern, timeoutMs)
    } finally {
      this.reading = false
    }
  }

  write(data: string | Buffer): Promise<void> {
    const socket = this.secure ?? this.raw
    return new Promise((resolve, reject) => {
      socket.write(data, (err) => (err ? reject(err) : resolve()))
    })
  }

  // The bridge lets the TLS layer start from bytes that raced ahead of this call (kept in `early`).
  async startTls(): Promise<void> {
    if (this.bridge) throw new Error('startTls: TLS is already active on this connection')
    const bridge = this.makeBridge()
    this.bridge = bridge
    for (const chunk of this.early.splice(0)) bridge.push(chunk)
    if (this.rawEnded) bridge.push(null)
    const secure = new tls.TLSSocket(bridge as unknown as net.Socket, {
      isServer: true,
      secureContext: this.context,
      // Records what the client asked for (XEP-0368: SNI = JID domain, ALPN xmpp-client) and accepts it.
      ALPNCallback: ({ servername, protocols }) => {
        this.servername = servername || null
        this.alpnOffered = protocols
        return protocols[0]
      }
    })
    this.secure = secure
    secure.on('data', (chunk: Buffer) => this.record(chunk))
    secure.on('error', (err) => (this.tlsError ??= err))
    secure.once('secure', () => {
      // Without ALPN the callback above never runs; SNI is still known once the handshake is done.
      this.servername ??= (secure as tls.TLSSocket & { servername?: string | false }).servername || null
    })
    secure.on('close', () => {
      this.secureClosed = true
      this.checkClosed()
    })
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve)
      secure.once('error', reject)
      secure.once('close', () => reject(this.tlsError ?? new Error('startTls: connection closed during the handshake')))
    })
  }

  end(): void {
    const socket = this.secure ?? this.raw
    socket.end()
  }

  destroy(): void {
    this.secure?.destroy()
    this.raw.destroy()
  }

  private makeBridge(): Duplex {
    const raw = this.raw
    return new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        raw.write(chunk, callback)
      },
      final(callback) {
        raw.end()
        callback()
      },
      destroy(err, callback) {
        raw.destroy()
        callback(err)
      }
    })
  }

  private onRawData(chunk: Buffer): void {
    if (this.bridge) this.bridge.push(chunk)
    else if (this.early.length > 0 || chunk[0] === TLS_HANDSHAKE_RECORD) this.early.push(chunk)
    else this.record(chunk)
  }

  private endBridge(): void {
    if (this.rawEnded) return
    this.rawEnded = true
    this.bridge?.push(null)
  }

  private record(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.text += this.decoder.write(chunk) // holds back a split multi-byte character until it is complete
    this.wakeReader()
  }

  private checkClosed(): void {
    if (!this.rawClosed || (this.secure && !this.secureClosed)) return
    this.markClosed()
    this.wakeReader()
  }

  private isClosed(): boolean {
    return this.rawClosed && (!this.secure || this.secureClosed)
  }

  private wakeReader(): void {
    const wake = this.wake
    this.wake = null
    wake?.()
  }

  private async scan(pattern: RegExp | string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const end = matchEnd(this.text, this.cursor, pattern)
      if (end !== null) {
        const out = this.text.slice(this.cursor, end)
        this.cursor = end
        return out
      }
      if (this.isClosed()) throw this.readError(pattern, 'the connection closed first')
      const left = deadline - Date.now()
      if (left <= 0) throw this.readError(pattern, `timed out after ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  private readError(pattern: RegExp | string, what: string): Error {
    const unread = this.text.slice(this.cursor)
    const shown = unread.length > 500 ? `...${unread.slice(-500)}` : unread
    const tlsNote = this.tlsError ? ` (TLS error: ${this.tlsError.message})` : ''
    return new Error(`readUntil(${String(pattern)}): ${what}${tlsNote}; unread text: ${JSON.stringify(shown)}`)
  }
}

function matchEnd(text: string, from: number, pattern: RegExp | string): number | null {
  if (typeof pattern === 'string') {
    const at = text.indexOf(pattern, from)
    return at < 0 ? null : at + pattern.length
  }
  // a fresh non-global copy: lastIndex of a caller's /g or /y regex must not leak into the search
  const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
  const m = re.exec(text.slice(from))
  return m ? from + m.index + m[0].length : null
}
