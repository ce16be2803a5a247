import { lookup as dnsLookup } from 'node:dns/promises'
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { pipeline, Transform, type Readable } from 'node:stream'
import { CoreError, toCoreError } from '../errors'
import { classifyAddress, hostAddress, type AddressClass } from './address'

/**
 * Which addresses a transfer may connect to:
 * - `public`: only globally routable ones (what a link from a message gets without a click);
 * - `private-ok`: also loopback, private and link-local (the user clicked, or our own server's
 *   upload service); never multicast or the unspecified address;
 * - `loopback-only`: only this machine (plain-http uploads in tests).
 */
export type AddressPolicy = 'public' | 'private-ok' | 'loopback-only'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** DNS resolution, replaceable in tests (e.g. to map a made-up name onto the loopback server). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>

export const systemResolver: Resolver = async (host) => {
  const all = await dnsLookup(host, { all: true, order: 'verbatim' })
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
}

export function addressAllowed(kind: AddressClass, policy: AddressPolicy): boolean {
  switch (policy) {
    case 'public':
      return kind === 'public'
    case 'loopback-only':
      return kind === 'loopback'
    case 'private-ok':
      return kind !== 'multicast' && kind !== 'unspecified' && kind !== 'invalid'
  }
}

export function blocked(detail: string): CoreError {
  return new CoreError('invalid-argument', detail, { condition: 'blocked-address' })
}

export function cancelled(): CoreError {
  return new CoreError('internal', 'The transfer was cancelled', { condition: 'cancelled' })
}

/** An http(s) URL without credentials, or a `blocked-address` error. */
export function parseHttpUrl(input: string | URL): URL {
  let url: URL
  try {
    url = new URL(String(input))
  } catch {
    throw new CoreError('invalid-argument', 'Not a valid URL', { condition: 'bad-url' })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw blocked(`Only http and https links are fetched, not ${url.protocol}`)
  if (url.username !== '' || url.password !== '') throw new CoreError('invalid-argument', 'URLs with credentials are not fetched', { condition: 'bad-url' })
  if (String(input).length > 8192) throw new CoreError('invalid-argument', 'The URL is too long', { condition: 'bad-url' })
  return url
}

/** Checks an IP-literal host up front (the socket connects to literals without any lookup). */
export function checkLiteralHost(url: URL, policy: AddressPolicy): void {
  const literal = hostAddress(url)
  if (literal === null) return
  const kind = classifyAddress(literal)
  if (!addressAllowed(kind, policy)) throw blocked(`${url.host} is a ${kind} address`)
}

/**
 * A `lookup` for http.request that resolves, checks every address against the policy, and hands
 * the socket exactly the addresses it checked. So there is no window between check and connect in
 * which DNS could answer differently (rebinding): the connection uses what was checked.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    resolve(hostname)
      .then((found) => {
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0
        const addresses = found.filter((a) => family === 0 || a.family === family)
        if (addresses.length === 0) throw new CoreError('dns-failed', `${hostname} has no address`)
        for (const a of addresses) {
          const kind = classifyAddress(a.address)
          if (!addressAllowed(kind, policy)) throw blocked(`${hostname} resolves to ${a.address}, a ${kind} address`)
        }
        if (options.all) callback(null, addresses)
        else callback(null, addresses[0]?.address, addresses[0]?.family)
      })
      .catch((err: unknown) => callback(err))
  }) as unknown as LookupFunction
}

export interface ExchangeOptions {
  method: 'GET' | 'PUT'
  url: URL
  headers?: OutgoingHttpHeaders
  /** Request body, streamed; `length` becomes Content-Length. */
  body?: { stream: Readable; length: number }
  policy: AddressPolicy
  resolve?: Resolver | undefined
  signal?: AbortSignal | undefined
  /** No byte either way for this long ends the transfer (a stalled server must not hang it forever). */
  idleTimeoutMs: number
  /** Bytes of the body handed to the socket so far. */
  onSent?: (sent: number) => void
}

/**
 * One HTTP request with the guards every transfer needs: checked addresses, no connection reuse
 * (each request does its own checked lookup), cancellation, an idle timeout. Resolves with the
 * response once its headers are in; the body is the caller's to read, and the same timeout and
 * cancellation keep applying to it. `fail()` ends the exchange with a reason of the caller's.
 */
export function exchange(o: ExchangeOptions): Promise<{ response: IncomingMessage; fail: (err: CoreError) => void; failure: () => CoreError | null }> {
  checkLiteralHost(o.url, o.policy)
  if (o.signal?.aborted) return Promise.reject(cancelled())
  return new Promise((resolve, reject) => {
    let failure: CoreError | null = null
    const lib = o.url.protocol === 'https:' ? https : http
    const req = lib.request(o.url, {
      method: o.method,
      headers: { 'user-agent': 'Parley', 'accept-encoding': 'identity', ...o.headers },
      agent: false,
      // Node connects to an IP-literal host without calling lookup; checkLiteralHost covered it.
      lookup: guardedLookup(o.policy, o.resolve)
    })
    // Socket inactivity either way once connected (the kernel accepting more of a stalled upload
    // counts as activity); Node starts that clock only at 'connect', so the connect phase gets its own.
    req.setTimeout(o.idleTimeoutMs)
    req.on('socket', (socket) => {
      if (!socket.connecting) return
      const timer = setTimeout(() => fail(new CoreError('timeout', `Could not connect to ${o.url.host} within ${Math.round(o.idleTimeoutMs / 1000)} s`)), o.idleTimeoutMs)
      socket.once('connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
    const fail = (err: CoreError): void => {
      if (failure) return
      failure = err
      req.destroy(err)
      response?.destroy(err)
      reject(err)
    }
    let response: IncomingMessage | undefined
    const onAbort = (): void => fail(cancelled())
    o.signal?.addEventListener('abort', onAbort, { once: true })
    req.on('timeout', () => fail(new CoreError('timeout', `No data from ${o.url.host} for ${Math.round(o.idleTimeoutMs / 1000)} s`)))
    req.on('error', (err) => {
      if (!failure) {
        failure = toCoreError(err, 'unreachable')
        reject(failure)
      }
    })
    const done = (): void => o.signal?.removeEventListener('abort', onAbort)
    req.on('close', () => {
      if (!response) done()
    })
    req.on('response', (res) => {
      response = res
      res.on('close', done)
      res.on('error', () => undefined) // reported through the reader's pipeline
      resolve({ response: res, fail, failure: () => failure })
    })
    if (!o.body) {
      req.end()
      return
    }
    req.setHeader('content-length', o.body.length)
    let sent = 0
    const counter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        sent += chunk.length
        o.onSent?.(sent)
        callback(null, chunk)
      }
    })
    // pipeline keeps backpressure (a slow server slows the file reads) and tears down the file
    // stream when the request dies, and the request when the file cannot be read.
    pipeline(o.body.stream, counter, req, (err) => {
      if (err && !failure) fail(toCoreError(err, 'internal'))
    })
  })
}

/** Calls `report` at most every `everyMs`, and always for the final count. */
export function throttled(report: ((done: number, total: number | null) => void) | undefined, total: number | null, everyMs = 100): (done: number, final?: boolean) => void {
  let last = 0
  return (done, final = false) => {
    if (!report) return
    const now = performance.now()
    if (!final && now - last < everyMs && done !== total) return
    last = now
    report(done, total)
  }
}

/** Reads at most `max` bytes of a response body (for error messages), then drops the rest. */
export async function readSmall(res: IncomingMessage, max = 4096): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (size < max) chunks.push(chunk.subarray(0, max - size))
      size += chunk.length
    }
  } catch {
    // the body is only decoration for an error message
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function httpStatusError(url: URL, status: number): CoreError {
  return new CoreError('unreachable', `${url.host} answered HTTP ${status}`, { condition: `http-${status}` })
}
