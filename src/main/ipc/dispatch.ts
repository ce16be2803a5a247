import type { ZodType } from 'zod'
import type { Api, MethodOf, Namespace, Result } from '../../shared/ipc/contract'
import { API_METHODS } from '../../shared/ipc/contract'
import { toCoreError } from '../core/errors'
import { ARGUMENTS } from './schemas'

/**
 * Validates a call against the contract and runs it; everything comes back as a Result so that
 * errors cross the bridge as data. Shared by the Electron IPC handlers and the browser harness.
 */
export async function dispatch(impl: Api, ns: string, method: string, args: unknown[]): Promise<Result<unknown>> {
  if (!isMethod(ns, method)) return { ok: false, error: { code: 'invalid-argument', detail: `Unknown method ${ns}.${method}` } }
  const schema = (ARGUMENTS[ns] as unknown as Record<string, ZodType>)[method]
  const parsed = schema?.safeParse(args)
  if (!parsed?.success) {
    const issue = parsed?.error.issues[0]
    return { ok: false, error: { code: 'invalid-argument', detail: `${ns}.${method}: ${issue ? `${issue.path.join('.') || 'arguments'}: ${issue.message}` : 'bad arguments'}` } }
  }
  try {
    const fn = (impl[ns] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]
    if (!fn) throw new Error(`${ns}.${method} is not implemented`)
    const value = await fn(...(parsed.data as unknown[]))
    return { ok: true, value: value === undefined ? null : value }
  } catch (err) {
    return { ok: false, error: toCoreError(err).toView() }
  }
}

function isMethod(ns: string, method: string): ns is Namespace {
  return Object.hasOwn(API_METHODS, ns) && (API_METHODS[ns as Namespace] as readonly string[]).includes(method as MethodOf<Namespace>)
}
