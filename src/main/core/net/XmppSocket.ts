import { EventEmitter } from 'node:events'
import net from 'node:net'
import tls, { type TLSSocket } from 'node:tls'
import { CoreError, toCoreError } from '../errors'
import { verifyPeer } from './certificate'
import { isIpLiteral, type Endpoint } from './endpoints'

export interface SocketParams {
  endpoint: Endpoint
  /** The JID domain: SNI and the name the certificate must carry, whatever host we dial. */
  domain: string
  /** A certificate fingerprint the user chose to trust for this account. */
  pinned?: string | undefined
  /** Extra trusted CA certificates (PEM), e.g. an organisation's CA or a test server's. */
  extraCa?: readonly string[] | undefined
  connectTimeoutMs?: number | undefined
}

const KEEPALIVE_MS = 30_000
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000

let systemCa: string[] | null = null
const contexts = new Map<string, tls.SecureContext>()

/**
 * Node's bundled roots plus the operating system's store (read once), with any extra CAs, as one
 * secure context per CA set: parsing ~600 PEM certificates on every connection would cost ~10 ms.
 */
function secureContext(extra: readonly string[] | undefined): tls.SecureContext {
  const key = extra && extra.length > 0 ? extra.join('\n') : ''
  let context = contexts.get(key)
  if (!context) {
    systemCa ??= [...new Set([...tls.getCACertificates('default'), ...tls.getCACertificates('system')])]
    context = tls.createSecureContext({ ca: key ? [...systemCa, ...(extra ?? [])] : systemCa, minVersion: 'TLSv1.2' })
    contexts.set(key, context)
  }
  return context
}

/**
 * The socket under one XMPP stream, as xmpp.js's Connection expects it (events `connect`, `data`,
 * `close`, `error`; `write`, `end`, `secure`), but with Parley's transport rules:
 * - TLS always verified against the JID domain with SNI set to it, for STARTTLS and Direct TLS alike
 *   (XEP-0368), and `connect` is emitted only after the certificate was accepted;
 * - Nagle off and TCP keep-alive on (echo RTT 51 ms → 2 ms here);
 * - every failure is a CoreError with a code the UI can word.
 */
export class XmppSocket extends EventEmitter {
  secure = false
  private raw: net.Socket | null = null
  private tlsSocket: TLSSocket | null = null
  private params: SocketParams | null = null
  private closed = false

  connect(params: SocketParams): void {
    this.params = params
    const { endpoint } = params
    const timeoutMs = params.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    const timer = setTimeout(
      () => this.fail(new CoreError('timeout', `No answer from ${endpoint.host}:${endpoint.port} within ${timeoutMs / 1000} s`)),
      timeoutMs
    )
    const ready = (): void => {
      clearTimeout(timer)
      this.emit('connect')
    }
    if (endpoint.tls === 'direct') {
      const socket = tls.connect({ ...this.tlsOptions(params), host: endpoint.host, port: endpoint.port, ALPNProtocols: ['xmpp-client'] })
      this.attach(socket)
      this.tune(socket)
      socket.once('secureConnect', () => {
        if (this.acceptPeer(socket)) ready()
      })
    } else {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port })
      this.attach(socket)
      socket.once('connect', () => {
        this.tune(socket)
        ready()
      })
    }
    this.once('close', () => clearTimeout(timer))
  }

  /** STARTTLS: wrap the plain socket after the server said <proceed/>. Resolves once the peer is verified. */
  upgrade(timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
    const raw = this.raw
    const params = this.params
    if (!raw || !params || this.tlsSocket) return Promise.reject(new CoreError('tls-failed', 'Nothing to upgrade'))
    return new Promise((resolve, reject) => {
      this.detach(raw)
      const socket = tls.connect({ ...this.tlsOptions(params), socket: raw })
      this.attach(socket)
      const timer = setTimeout(() => this.fail(new CoreError('timeout', 'TLS handshake timed out')), timeoutMs)
      const onClose = (): void => {
        clearTimeout(timer)
        reject(new CoreError('tls-failed', 'Connection closed during the TLS handshake'))
      }
      this.once('close', onClose)
      socket.once('secureConnect', () => {
        clearTimeout(timer)
        this.off('close', onClose)
        if (this.acceptPeer(socket)) resolve()
      })
    })
  }

  /** The TLS socket, for channel binding. */
  get tls(): TLSSocket | null {
    return this.tlsSocket
  }

  /** True when a write now would reach the peer's socket (not closed, not being torn down). */
  get writable(): boolean {
    const socket = this.tlsSocket ?? this.raw
    return socket !== null && !socket.destroyed && socket.writable
  }

  write(data: string, callback?: (err?: Error) => void): void {
    const socket = this.tlsSocket ?? this.raw
    if (!socket || socket.destroyed || !socket.writable) {
      callback?.(new CoreError('not-connected', 'The connection is closed'))
      return
    }
    socket.write(data, (err) => callback?.(err ?? undefined))
  }

  end(): void {
    ;(this.tlsSocket ?? this.raw)?.end()
  }

  destroy(err?: Error): void {
    this.tlsSocket?.destroy(err)
    this.raw?.destroy(err)
  }

  private tlsOptions(params: SocketParams): tls.ConnectionOptions {
    const { domain } = params
    return {
      // SNI must not be an IP literal (RFC 6066 §3); the identity check below still uses the domain.
      ...(isIpLiteral(domain) ? {} : { servername: domain }),
      secureContext: secureContext(params.extraCa),
      // The chain and name are checked by verifyPeer() before the first byte is written, so that a
      // refused certificate can be shown to the user (fingerprint, issuer, validity) and pinned.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined
    }
  }

  private acceptPeer(socket: TLSSocket): boolean {
    const params = this.params
    if (!params) return false
    try {
      verifyPeer(socket, params.domain, params.pinned)
    } catch (err) {
      this.fail(toCoreError(err, 'tls-failed'))
      return false
    }
    this.secure = true
    return true
  }

  private tune(socket: net.Socket): void {
    socket.setNoDelay(true)
    socket.setKeepAlive(true, KEEPALIVE_MS)
  }

  private attach(socket: net.Socket): void {
    if (socket instanceof tls.TLSSocket) this.tlsSocket = socket
    else this.raw = socket
    socket.on('data', this.onData)
    socket.on('error', this.onError)
    socket.on('close', this.onClose)
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData)
    socket.off('error', this.onError)
    socket.off('close', this.onClose)
  }

  private readonly onData = (data: Buffer): void => {
    this.emit('data', data)
  }

  private readonly onError = (err: Error): void => {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    const fallback = this.tlsSocket && !this.secure ? 'tls-failed' : 'connection-lost'
    this.emit('error', code.startsWith('ERR_SSL') ? new CoreError('tls-failed', err.message, { cause: err }) : toCoreError(err, fallback))
  }

  private readonly onClose = (hadError: boolean): void => {
    if (this.closed) return
    this.closed = true
    this.secure = false
    this.emit('close', hadError)
  }

  private fail(err: CoreError): void {
    this.emit('error', err)
    this.destroy()
  }
}
