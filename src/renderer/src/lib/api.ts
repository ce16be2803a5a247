/**
 * The only reader of `window.parley`. State classes import `api` and `on` from here; components
 * never touch the bridge. `api` has the plain `Api` shape: results are unwrapped and failures
 * become `ApiError`s carrying the core's error view (code, detail, certificate, form…).
 */
import { API_METHODS, type Api, type Bridge, type EventName, type Events, type Result } from '../../../shared/ipc/contract'
import type { CertificateView, ErrorCode, ErrorView, RegistrationFormView } from '../../../shared/model/errors'

export class ApiError extends Error {
  readonly code: ErrorCode
  readonly detail: string
  readonly condition?: string
  readonly cert?: CertificateView
  readonly pinned?: string
  readonly form?: RegistrationFormView

  constructor(view: ErrorView) {
    super(view.detail || view.code)
    this.name = 'ApiError'
    this.code = view.code
    this.detail = view.detail
    if (view.condition !== undefined) this.condition = view.condition
    if (view.cert !== undefined) this.cert = view.cert
    if (view.pinned !== undefined) this.pinned = view.pinned
    if (view.form !== undefined) this.form = view.form
  }

  /** The plain error view again (for components that show any ErrorView). */
  toView(): ErrorView {
    return {
      code: this.code,
      detail: this.detail,
      ...(this.condition !== undefined ? { condition: this.condition } : {}),
      ...(this.cert ? { cert: this.cert } : {}),
      ...(this.pinned !== undefined ? { pinned: this.pinned } : {}),
      ...(this.form ? { form: this.form } : {})
    }
  }
}

/** Any thrown value as an ApiError (a bridge that throws, e.g. on an uncloneable argument). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  return new ApiError({ code: 'internal', detail: err instanceof Error ? err.message : String(err) })
}

function bridge(): Bridge {
  const b = (globalThis as { parley?: Bridge }).parley
  if (!b) throw new ApiError({ code: 'internal', detail: 'The application bridge (window.parley) is missing' })
  return b
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value
  throw new ApiError(result.error)
}

type AnyMethod = (...args: unknown[]) => Promise<Result<unknown>>

function buildApi(): Api {
  const out: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {}
  for (const [ns, methods] of Object.entries(API_METHODS)) {
    const group: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
    for (const method of methods) {
      group[method] = async (...args) => {
        let result: Result<unknown>
        try {
          // Read the bridge on every call: tests (and a reloaded harness) replace it.
          const fn = (bridge().api as unknown as Record<string, Record<string, AnyMethod>>)[ns]?.[method]
          if (!fn) throw new ApiError({ code: 'internal', detail: `Unknown method ${ns}.${method}` })
          result = await fn(...args)
        } catch (err) {
          throw toApiError(err)
        }
        return unwrap(result)
      }
    }
    out[ns] = group
  }
  return out as unknown as Api
}

export const api: Api = buildApi()

/** Subscribes to a batched event; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  return bridge().on(event, listener)
}
