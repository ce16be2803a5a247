import { rename, unlink, writeFile } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import path from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CoreError, toCoreError } from '../errors'
import { createUniqueFile, harmlessFileName, safeFileName, splitExtension } from './names'
import { cancelled, exchange, httpStatusError, parseHttpUrl, readSmall, throttled, type AddressPolicy, type Resolver } from './http'
import { extensionFor, inspectImage, sniffType, type ImageInfo, type ImageLimits } from './image'

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 5
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
const DEFAULT_IDLE_MS = 30_000
const SNIFF_BYTES = 2048

export interface FetchOptions {
  /**
   * The user asked for this link (clicked it): it may then point at loopback, private or link-local
   * addresses. Redirects are still refused to such addresses unless they stay on the same origin.
   */
  allowPrivate?: boolean
  /** Refuse bodies larger than this (announced or actual). */
  maxBytes?: number
  onProgress?: (received: number, total: number | null) => void
  signal?: AbortSignal
  idleTimeoutMs?: number
  /** DNS, for tests. */
  resolve?: Resolver
}

export interface DownloadOptions extends FetchOptions {
  /** The folder to save into (the user's downloads folder). */
  dir: string
  /** Preferred file name (e.g. the OOB description); otherwise the server's or the URL's. */
  name?: string
}

export interface DownloadResult {
  path: string
  name: string
  bytes: number
  /** What the server said. */
  contentType: string
  /** What the first bytes are, whatever the server said (null: unknown). */
  sniffedType: string | null
  /** The URL the file came from after redirects. */
  url: string
}

/**
 * Saves an http(s) URL into `dir` under a safe, unique name, streaming to disk with progress, a size
 * cap, cancellation and an idle timeout. Refuses loopback, private, link-local and other non-public
 * addresses unless `allowPrivate` (checked on the resolved addresses that are then connected to),
 * non-http(s) URLs, and redirects to such places. A failed or cancelled download leaves no file.
 * A name that would run when opened gets ".download" added; on Windows the file is marked as coming
 * from the internet, so that SmartScreen and Office's Protected View treat it as such.
 */
export async function download(input: string, o: DownloadOptions): Promise<DownloadResult> {
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES
  const { res, url, fail, failure } = await open(input, o)
  const total = announcedLength(res, maxBytes, fail)
  const sniffer = new Limiter(maxBytes, throttled(o.onProgress, total))
  // Whoever named it (the sender, the server, the URL), a name that would run when opened gets a
  // harmless suffix: "setup.exe" is saved as "setup.exe.download".
  const wanted = harmlessFileName(o.name || fileNameFrom(res, url), 'download')
  // The final name is reserved at once (so a parallel download cannot take it); the bytes go to a
  // ".part" file beside it that replaces the placeholder only when complete.
  const target = await createUniqueFile(o.dir, wanted)
  await target.handle.close()
  let partPath: string | null = null
  try {
    const part = await createUniqueFile(o.dir, `${target.name}.part`)
    partPath = part.path
    await pipeline(res, sniffer, part.handle.createWriteStream(), o.signal ? { signal: o.signal } : {})
    await rename(part.path, target.path)
  } catch (err) {
    await unlink(target.path).catch(() => undefined)
    if (partPath) await unlink(partPath).catch(() => undefined)
    res.destroy()
    throw transferError(err, failure(), sniffer, o.signal)
  }
  sniffer.report(true)
  const sniffedType = sniffType(sniffer.head)
  const finalPath = await addExtension(target.path, sniffedType)
  await markInternetOrigin(finalPath, url.href)
  return {
    path: finalPath,
    name: path.basename(finalPath),
    bytes: sniffer.count,
    contentType: String(res.headers['content-type'] ?? ''),
    sniffedType,
    url: url.href
  }
}

/** Fetches a small resource into memory (inline image previews), with the same guards as download. */
export async function fetchBytes(input: string, o: FetchOptions & { maxBytes: number }): Promise<{ bytes: Buffer; contentType: string; url: string }> {
  const { res, url, fail, failure } = await open(input, o)
  const total = announcedLength(res, o.maxBytes, fail)
  const limiter = new Limiter(o.maxBytes, throttled(o.onProgress, total))
  const chunks: Buffer[] = []
  try {
    const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of source) chunks.push(chunk)
    }
    await pipeline(res, limiter, collect, o.signal ? { signal: o.signal } : {})
  } catch (err) {
    throw transferError(err, failure(), limiter, o.signal)
  }
  limiter.report(true)
  return { bytes: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? ''), url: url.href }
}

/**
 * A received image for inline display: fetched with the guards above, then accepted only if its
 * header says PNG, JPEG, GIF or WebP within the pixel limits (never SVG). The renderer decodes it.
 */
export async function fetchInlineImage(input: string, o: FetchOptions & { limits?: ImageLimits } = {}): Promise<{ info: ImageInfo; bytes: Buffer }> {
  const limits = o.limits ?? {}
  const maxBytes = Math.min(o.maxBytes ?? 20 * 1024 * 1024, limits.maxBytes ?? Infinity)
  const { bytes } = await fetchBytes(input, { ...o, maxBytes })
  return { info: inspectImage(bytes, { ...limits, maxBytes }), bytes }
}

// ---- internals -----------------------------------------------------------------------------------

type Opened = Awaited<ReturnType<typeof exchange>> & { res: IncomingMessage; url: URL }

/** GET with redirects followed by hand, each hop's URL and addresses checked again. */
async function open(input: string, o: FetchOptions): Promise<Opened> {
  let url = parseHttpUrl(input)
  const origin = url.origin
  for (let hop = 0; ; hop++) {
    // The user's click covers the origin they clicked, not wherever it redirects to.
    const policy: AddressPolicy = o.allowPrivate && url.origin === origin ? 'private-ok' : 'public'
    const ex = await exchange({ method: 'GET', url, policy, resolve: o.resolve, signal: o.signal, idleTimeoutMs: o.idleTimeoutMs ?? DEFAULT_IDLE_MS })
    const res = ex.response
    const status = res.statusCode ?? 0
    const location = res.headers.location
    if (REDIRECTS.has(status) && location) {
      res.resume()
      if (hop >= MAX_REDIRECTS) throw new CoreError('unreachable', `More than ${MAX_REDIRECTS} redirects`, { condition: 'too-many-redirects' })
      const next = parseHttpUrl(new URL(location, url))
      if (url.protocol === 'https:' && next.protocol === 'http:') {
        throw new CoreError('invalid-argument', 'Refusing a redirect from https to plain http', { condition: 'insecure-redirect' })
      }
      url = next
      continue
    }
    if (status !== 200) {
      await readSmall(res)
      throw httpStatusError(url, status)
    }
    return { ...ex, res, url }
  }
}

function announcedLength(res: IncomingMessage, maxBytes: number, fail: (err: CoreError) => void): number | null {
  const header = res.headers['content-length']
  const total = header !== undefined && /^\d+$/.test(header) ? Number(header) : null
  if (total !== null && total > maxBytes) {
    const err = tooLarge(total, maxBytes)
    fail(err)
    throw err
  }
  return total
}

function tooLarge(size: number, max: number): CoreError {
  return new CoreError('bad-input', `The file is ${size} bytes; at most ${max} are accepted`, { condition: 'too-large' })
}

/** Counts bytes, keeps the first ones for sniffing, reports progress and enforces the cap. */
class Limiter extends Transform {
  count = 0
  head = Buffer.alloc(0)
  overflow: CoreError | null = null

  constructor(
    private readonly max: number,
    private readonly progress: (done: number, final?: boolean) => void
  ) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length
    if (this.count > this.max) {
      this.overflow = tooLarge(this.count, this.max)
      callback(this.overflow)
      return
    }
    if (this.head.length < SNIFF_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_BYTES - this.head.length)])
    this.progress(this.count)
    callback(null, chunk)
  }

  report(final: boolean): void {
    this.progress(this.count, final)
  }
}

function transferError(err: unknown, failure: CoreError | null, limiter: Limiter, signal: AbortSignal | undefined): CoreError {
  if (limiter.overflow) return limiter.overflow
  if (failure) return failure
  if (signal?.aborted) return cancelled()
  if (err instanceof CoreError) return err
  const e = toCoreError(err, 'connection-lost')
  return e.code === 'internal' ? new CoreError('connection-lost', e.detail, { cause: err }) : e
}

/** The server's name for the file (Content-Disposition), else the URL's last path segment. */
export function fileNameFrom(res: Pick<IncomingMessage, 'headers'>, url: URL): string {
  const disposition = res.headers['content-disposition']
  const fromHeader = typeof disposition === 'string' ? dispositionName(disposition) : null
  if (fromHeader) return safeFileName(fromHeader, 'download')
  const segment = url.pathname.split('/').filter((s) => s !== '').at(-1) ?? ''
  let decoded = segment
  try {
    decoded = decodeURIComponent(segment)
  } catch {
    // keep it encoded: still a valid, if ugly, name
  }
  return safeFileName(decoded, 'download')
}

/**
 * RFC 6266: `filename*=UTF-8''…` wins over `filename="…"`. Parameters are read one by one (names
 * case-insensitive, quoted strings kept whole), so neither `xfilename=` nor a `filename=` inside
 * another parameter's quoted value counts.
 */
export function dispositionName(header: string): string | null {
  const params = dispositionParams(header)
  const star = params.get('filename*')
  const encoded = star !== undefined ? /^(utf-8|iso-8859-1)'[^']*'(.+)$/i.exec(star) : null
  if (encoded?.[1] && encoded[2]) {
    try {
      const value = encoded[2].trim()
      if (encoded[1].toLowerCase() === 'utf-8') return decodeURIComponent(value)
      return value.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    } catch {
      // fall through to the plain parameter
    }
  }
  return params.get('filename') ?? null
}

/** `type; name=token; name="quoted"` → lower-case names to values (the first of each wins). */
function dispositionParams(header: string): Map<string, string> {
  const params = new Map<string, string>()
  // A header without a type ("filename=x") starts with a parameter.
  const type = /^[^;=]*(?=;|$)/.exec(header)
  const text = type ? header.slice(type[0].length) : `;${header}`
  const param = /\s*;\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;"]*)/y
  for (let m = param.exec(text); m; m = param.exec(text)) {
    const name = (m[1] ?? '').toLowerCase()
    const raw = (m[2] ?? '').trim()
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw
    if (!params.has(name) && value !== '') params.set(name, value)
  }
  return params
}

/**
 * Windows' mark of the web: the `Zone.Identifier` stream says the file came from the internet
 * (zone 3), so SmartScreen, Office and others warn before opening it. Written once the file is in
 * place; file systems without alternate streams (FAT, some network drives) simply go without it.
 */
export async function markInternetOrigin(file: string, url: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  if (platform !== 'win32') return
  await writeFile(`${file}:Zone.Identifier`, `[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=${url}\r\n`).catch(() => undefined)
}

/** A file saved without an extension gets the one its content has, so that it opens sensibly. */
async function addExtension(file: string, sniffed: string | null): Promise<string> {
  const ext = sniffed ? extensionFor(sniffed) : null
  if (!ext || splitExtension(path.basename(file)).ext !== '') return file
  const renamed = await createUniqueFile(path.dirname(file), path.basename(file) + ext)
  await renamed.handle.close()
  await rename(file, renamed.path)
  return renamed.path
}
