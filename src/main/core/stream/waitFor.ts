import type { Element } from '../xml'
import { CoreError } from '../errors'
import type { XmppConnection } from './XmppConnection'

/**
 * Resolves with the next top-level element the predicate accepts; rejects when the connection drops,
 * the stream ends with an error, or the time runs out. Used by the negotiation steps (STARTTLS, SASL),
 * which are request/answer exchanges outside the IQ mechanism.
 */
export function nextElement(entity: XmppConnection, accept: (el: Element) => boolean, timeoutMs: number, what: string): Promise<Element> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer)
      entity.off('element', onElement)
      entity.off('disconnect', onDisconnect)
      entity.off('violation', onFailure)
      entity.off('stream-error', onFailure)
    }
    const onElement = (el: Element): void => {
      if (!accept(el)) return
      cleanup()
      resolve(el)
    }
    const onDisconnect = (): void => {
      cleanup()
      reject(entity.lastViolation ?? new CoreError('connection-lost', `Connection closed while waiting for ${what}`))
    }
    const onFailure = (err: CoreError): void => {
      cleanup()
      reject(err)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new CoreError('timeout', `No ${what} within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    entity.on('element', onElement)
    entity.on('disconnect', onDisconnect)
    entity.on('violation', onFailure)
    entity.on('stream-error', onFailure)
  })
}
