import type { CertificateView, ErrorCode, ErrorView, RegistrationFormView } from '../../shared/model/errors'

interface CoreErrorExtra {
  condition?: string
  cert?: CertificateView
  pinned?: string
  form?: RegistrationFormView
  cause?: unknown
}

/**
 * The one error type the core throws and reports. It turns into a plain `ErrorView` for the UI, so
 * nothing downstream has to inspect Node errnos, xmpp.js error classes or XML.
 */
export class CoreError extends Error {
  override readonly name = 'CoreError'
  readonly code: ErrorCode
  readonly detail: string
  readonly condition?: string
  readonly cert?: CertificateView
  readonly pinned?: string
  readonly form?: RegistrationFormView

  constructor(code: ErrorCode, detail: string, extra: CoreErrorExtra = {}) {
    super(`${code}: ${detail}`, extra.cause === undefined ? undefined : { cause: extra.cause })
    this.code = code
    this.detail = detail
    if (extra.condition !== undefined) this.condition = extra.condition
    if (extra.cert !== undefined) this.cert = extra.cert
    if (extra.pinned !== undefined) this.pinned = extra.pinned
    if (extra.form !== undefined) this.form = extra.form
  }

  toView(): ErrorView {
    const view: ErrorView = { code: this.code, detail: this.detail }
    if (this.condition !== undefined) view.condition = this.condition
    if (this.cert !== undefined) view.cert = this.cert
    if (this.pinned !== undefined) view.pinned = this.pinned
    if (this.form !== undefined) view.form = this.form
    return view
  }
}

const ERRNO_CODES: Record<string, ErrorCode> = {
  ENOTFOUND: 'dns-failed',
  EAI_AGAIN: 'dns-failed',
  EAI_FAIL: 'dns-failed',
  ENODATA: 'dns-failed',
  ESERVFAIL: 'dns-failed',
  ECONNREFUSED: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ECONNRESET: 'connection-lost',
  EPIPE: 'connection-lost',
  ETIMEDOUT: 'timeout'
}

/** Maps anything thrown below the core (Node socket errors, xmpp.js errors) onto a CoreError. */
export function toCoreError(err: unknown, fallback: ErrorCode = 'internal'): CoreError {
  if (err instanceof CoreError) return err
  if (err instanceof Error) {
    const errno = (err as NodeJS.ErrnoException).code
    const mapped = errno === undefined ? undefined : ERRNO_CODES[errno]
    if (mapped) return new CoreError(mapped, `${errno}: ${err.message}`, { cause: err })
    if (errno?.startsWith('ERR_SSL') || errno?.startsWith('ERR_TLS')) {
      return new CoreError('tls-failed', `${errno}: ${err.message}`, { cause: err })
    }
    if (err.name === 'TimeoutError') return new CoreError('timeout', err.message, { cause: err })
    const condition = (err as { condition?: unknown }).condition
    if (err.name === 'StreamError' && typeof condition === 'string') {
      return new CoreError(condition === 'conflict' ? 'resource-conflict' : 'stream-error', err.message, {
        condition,
        cause: err
      })
    }
    if (err.name === 'StanzaError' && typeof condition === 'string') {
      return new CoreError('stanza-error', err.message, { condition, cause: err })
    }
    return new CoreError(fallback, err.message, { cause: err })
  }
  return new CoreError(fallback, String(err))
}
