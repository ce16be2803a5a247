import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError, toCoreError } from '../../errors'
import { cancelled, exchange, httpStatusError, readSmall, throttled, type Resolver } from '../../files/http'
import { safeFileName } from '../../files/names'
import { xml } from '../../xml'
import { NS_DISCO_INFO, parseInfo, type DiscoModule } from '../0030-disco'
import { slotRequest } from './build'
import { maxFileSizeOf, NS_HTTP_UPLOAD, parseSlot, safeContentType, type Slot } from './parse'

export { NS_HTTP_UPLOAD, parseSlot, maxFileSizeOf, safeContentType, isLoopbackUrl, type Slot } from './parse'
export { slotRequest } from './build'

export interface UploadService {
  jid: string
  /** Bytes; null when the service states no limit. */
  maxFileSize: number | null
}

/** A file to upload: from disk (streamed) or from memory (a pasted image). */
export interface UploadFile {
  path?: string
  bytes?: Uint8Array
  name: string
  /** MIME type; anything odd is sent as application/octet-stream. */
  type: string
  /** Informational: the real size is taken from the file or the bytes. */
  size?: number
}

export interface UploadOptions {
  onProgress?: (sent: number, total: number) => void
  signal?: AbortSignal
}

export interface HttpUploadOptions {
  /**
   * Accept plain-http slots whose host is this machine, and then connect only to loopback
   * addresses. For the test server (Prosody serves uploads over http on 127.0.0.1); never in the app.
   */
  allowInsecureHttpForLoopback?: boolean
  /** The transfer fails when no byte moves for this long (default 30 s). */
  idleTimeoutMs?: number
  /** DNS for the PUT, for tests. */
  resolve?: Resolver
}

/** disco#items of a server may list many components; the upload service is among the first few. */
const MAX_CANDIDATES = 20
const CHUNK = 64 * 1024

/**
 * HTTP File Upload (XEP-0363): finds the server's upload service and its size limit, asks it for a
 * slot, and streams the file to the slot's PUT URL (https only, headers filtered, cancellable, idle
 * timeout, progress). The GET URL it returns goes into the message body and an XEP-0066 element.
 */
export class HttpUploadModule implements AccountModule {
  private discovered: Promise<UploadService | null> | null = null
  private readonly idleTimeoutMs: number

  constructor(
    private readonly ctx: ModuleContext,
    private readonly disco: DiscoModule,
    private readonly options: HttpUploadOptions = {}
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000
  }

  online(resumed: boolean): void {
    // Learn the limit in the background, so that the UI can show it before the user picks a file.
    if (!resumed || !this.discovered) void this.service().catch(() => undefined)
  }

  sessionLost(): void {
    this.discovered = null
  }

  /** The upload service of our server, or null when it has none. Asked once per session. */
  service(): Promise<UploadService | null> {
    if (!this.discovered) {
      const pending = this.discover()
      pending.catch(() => {
        if (this.discovered === pending) this.discovered = null
      })
      this.discovered = pending
    }
    return this.discovered
  }

  /** The largest file the server accepts, in bytes; null when it states none. */
  async limit(): Promise<number | null> {
    const service = await this.service()
    if (!service) throw new CoreError('unsupported', 'This server offers no file upload (XEP-0363)')
    return service.maxFileSize
  }

  /** Asks the upload service for a slot; refuses at once what is over the server's limit. */
  async requestSlot(filename: string, size: number, contentType: string): Promise<Slot> {
    if (!Number.isSafeInteger(size) || size < 0) throw new CoreError('invalid-argument', `Not a file size: ${size}`)
    const service = await this.service()
    if (!service) throw new CoreError('unsupported', 'This server offers no file upload (XEP-0363)')
    if (service.maxFileSize !== null && size > service.maxFileSize) throw tooLarge(size, service.maxFileSize)
    let iq
    try {
      iq = await this.ctx.client.iqCaller.get(slotRequest(safeFileName(filename), size, safeContentType(contentType)), service.jid)
    } catch (err) {
      const e = toCoreError(err)
      if (e.code !== 'stanza-error') throw e
      // The service's text ("File too large", quota) is kept in the detail for the UI's disclosure.
      throw new CoreError('stanza-error', `The upload service refused the file: ${e.detail}`, { condition: e.condition ?? 'undefined-condition' })
    }
    const slot = iq.getChild('slot', NS_HTTP_UPLOAD)
    if (!slot) throw new CoreError('bad-input', 'The upload service answered without a slot', { condition: 'bad-slot' })
    return parseSlot(slot, { allowInsecureHttpForLoopback: this.options.allowInsecureHttpForLoopback === true })
  }

  /**
   * Uploads a file and resolves with its GET URL. A file on disk is streamed, never read whole. The
   * size is checked against the server's limit before anything is sent.
   */
  async upload(file: UploadFile, o: UploadOptions = {}): Promise<string> {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
    const size = await sizeOf(file)
    const type = safeContentType(file.type)
    if (o.signal?.aborted) throw cancelled()
    const slot = await this.requestSlot(file.name, size, type)
    if (o.signal?.aborted) throw cancelled()
    const progress = throttled(o.onProgress ? (n, total) => o.onProgress?.(n, total ?? size) : undefined, size)
    // Exactly the bytes measured: a file that grows meanwhile must not overrun Content-Length.
    const stream = file.path === undefined ? chunks(file.bytes ?? new Uint8Array()) : size === 0 ? Readable.from([]) : createReadStream(file.path, { start: 0, end: size - 1 })
    const insecure = slot.put.protocol === 'http:'
    const { response, failure } = await exchange({
      method: 'PUT',
      url: slot.put,
      headers: { ...slot.headers, 'content-type': type },
      body: { stream, length: size },
      // Our own server's service may well live on a private network (a home server): allowed,
      // except that a plain-http slot (tests only) may only reach this machine.
      policy: insecure ? 'loopback-only' : 'private-ok',
      resolve: this.options.resolve,
      signal: o.signal,
      idleTimeoutMs: this.idleTimeoutMs,
      onSent: (n) => progress(n)
    }).catch((err: unknown) => {
      stream.destroy()
      throw err
    })
    const status = response.statusCode ?? 0
    const body = await readSmall(response)
    const failed = failure()
    if (failed) throw failed
    if (status !== 200 && status !== 201) {
      const err = httpStatusError(slot.put, status)
      this.ctx.log.info('upload refused', { status, body: body.slice(0, 200) })
      throw err
    }
    progress(size, true)
    return slot.get.href
  }

  private async discover(): Promise<UploadService | null> {
    const domain = this.ctx.domain()
    const items = await this.disco.items(domain).catch(() => [])
    // Some servers answer on the domain itself; components are the common case (Prosody, ejabberd).
    const candidates = [...new Set([...items.map((i) => i.jid).filter((j) => j !== ''), domain])].slice(0, MAX_CANDIDATES)
    const answers = await Promise.allSettled(candidates.map((jid) => this.uploadInfo(jid)))
    for (const answer of answers) if (answer.status === 'fulfilled' && answer.value) return answer.value
    return null
  }

  /** disco#info asked directly: the shared disco cache keeps features only, and we need the form. */
  private async uploadInfo(jid: string): Promise<UploadService | null> {
    const iq = await this.ctx.client.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO }), jid)
    const query = iq.getChild('query', NS_DISCO_INFO)
    if (!query || !parseInfo(query).features.includes(NS_HTTP_UPLOAD)) return null
    return { jid, maxFileSize: maxFileSizeOf(query) }
  }
}

function tooLarge(size: number, max: number): CoreError {
  return new CoreError('invalid-argument', `The file is ${size} bytes; this server accepts at most ${max}`, { condition: 'file-too-large' })
}

async function sizeOf(file: UploadFile): Promise<number> {
  if (file.path !== undefined) {
    const s = await stat(file.path).catch((err: unknown) => {
      throw new CoreError('invalid-argument', `Cannot read ${file.name}: ${String((err as Error).message)}`, { condition: 'file-unreadable' })
    })
    if (!s.isFile()) throw new CoreError('invalid-argument', `${file.name} is not a file`, { condition: 'file-unreadable' })
    return s.size
  }
  if (file.bytes) return file.bytes.byteLength
  throw new CoreError('invalid-argument', 'Nothing to upload: give a path or bytes')
}

/** Bytes in memory as a stream of 64 KiB chunks, so that progress moves in steps. */
function chunks(bytes: Uint8Array): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.byteLength; i += CHUNK) yield Buffer.from(bytes.buffer, bytes.byteOffset + i, Math.min(CHUNK, bytes.byteLength - i))
    })()
  )
}
