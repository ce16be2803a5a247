import XMPPError from '@xmpp/error'
import { TimeoutError } from '@xmpp/events'
import { describe, expect, it } from 'vitest'
import { CoreError, toCoreError } from '../../../../src/main/core/errors'
import type { CertificateView } from '../../../../src/shared/model/errors'

const errno = (code: string, message = 'boom') => Object.assign(new Error(message), { code })

/** Shaped like xmpp.js's StreamError (@xmpp/connection) and StanzaError (@xmpp/middleware). */
class StreamError extends XMPPError {
  override readonly name = 'StreamError' as never
}
class StanzaError extends XMPPError {
  override readonly name = 'StanzaError' as never
}

describe('toCoreError', () => {
  it.each([
    ['ENOTFOUND', 'dns-failed'],
    ['EAI_AGAIN', 'dns-failed'],
    ['ECONNREFUSED', 'unreachable'],
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ECONNRESET', 'connection-lost'],
    ['EPIPE', 'connection-lost'],
    ['ETIMEDOUT', 'timeout']
  ])('maps errno %s to %s, keeping the errno in the detail and the cause', (code, want) => {
    const cause = errno(code, `connect ${code} 192.0.2.1:5222`)
    const err = toCoreError(cause)
    expect(err).toBeInstanceOf(CoreError)
    expect(err.code).toBe(want)
    expect(err.detail).toBe(`${code}: connect ${code} 192.0.2.1:5222`)
    expect(err.cause).toBe(cause)
  })

  it.each(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID'])('maps %s to tls-failed', (code) => {
    expect(toCoreError(errno(code))).toMatchObject({ code: 'tls-failed', detail: `${code}: boom` })
  })

  it('maps an unknown errno to the fallback', () => {
    expect(toCoreError(errno('EWHATEVER'))).toMatchObject({ code: 'internal', detail: 'boom' })
    expect(toCoreError(errno('EWHATEVER'), 'unreachable')).toMatchObject({ code: 'unreachable' })
  })

  it('maps a stream error with conflict to resource-conflict', () => {
    const err = toCoreError(new StreamError('conflict', 'Replaced by new connection'))
    expect(err).toMatchObject({ code: 'resource-conflict', condition: 'conflict', detail: 'conflict - Replaced by new connection' })
  })

  it('maps other stream errors to stream-error with their condition', () => {
    expect(toCoreError(new StreamError('system-shutdown'))).toMatchObject({ code: 'stream-error', condition: 'system-shutdown' })
    expect(toCoreError(new StreamError('policy-violation', 'slow down'))).toMatchObject({ code: 'stream-error', condition: 'policy-violation' })
  })

  it('maps a stanza error to stanza-error with its condition', () => {
    expect(toCoreError(new StanzaError('item-not-found', 'no such node'))).toMatchObject({
      code: 'stanza-error',
      condition: 'item-not-found',
      detail: 'item-not-found - no such node'
    })
  })

  it('a plain XMPPError without a known name falls back', () => {
    expect(toCoreError(new XMPPError('bad-request'))).toMatchObject({ code: 'internal', detail: 'bad-request' })
    expect(toCoreError(new XMPPError('bad-request')).condition).toBeUndefined()
  })

  it('maps xmpp.js TimeoutError to timeout', () => {
    expect(toCoreError(new TimeoutError('stream open'))).toMatchObject({ code: 'timeout', detail: 'stream open' })
  })

  it('returns a CoreError unchanged', () => {
    const err = new CoreError('not-authorized', 'bad password')
    expect(toCoreError(err, 'timeout')).toBe(err)
  })

  it('turns non-Error values into the fallback code', () => {
    expect(toCoreError('just a string')).toMatchObject({ code: 'internal', detail: 'just a string' })
    expect(toCoreError(42, 'unreachable')).toMatchObject({ code: 'unreachable', detail: '42' })
    expect(toCoreError(undefined)).toMatchObject({ code: 'internal', detail: 'undefined' })
    expect(toCoreError(null)).toMatchObject({ code: 'internal', detail: 'null' })
    expect(toCoreError({ code: 'ECONNREFUSED' })).toMatchObject({ code: 'internal', detail: '[object Object]' })
  })

  it('a plain Error keeps its message and cause', () => {
    const cause = new Error('something odd')
    const err = toCoreError(cause, 'bad-input')
    expect(err).toMatchObject({ code: 'bad-input', detail: 'something odd' })
    expect(err.cause).toBe(cause)
  })
})

describe('CoreError', () => {
  it('is an Error named CoreError with code and detail in its message', () => {
    const err = new CoreError('timeout', 'no answer')
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('CoreError')
    expect(err.message).toBe('timeout: no answer')
    expect(err.cause).toBeUndefined()
  })

  it('toView omits absent fields', () => {
    const view = new CoreError('not-connected', 'offline').toView()
    expect(view).toEqual({ code: 'not-connected', detail: 'offline' })
    expect(Object.keys(view)).toEqual(['code', 'detail'])
  })

  it('toView is structured-clone safe and carries every field, never the cause', () => {
    const cert: CertificateView = {
      fingerprint256: 'AB:CD',
      subject: 'CN=example.test',
      issuer: 'CN=Test CA',
      subjectAltName: 'DNS:example.test',
      validFrom: 1_700_000_000_000,
      validTo: 1_800_000_000_000,
      reason: 'CERT_HAS_EXPIRED'
    }
    const form = { instructions: 'Fill in', fields: [{ name: 'username', label: 'User', type: 'text-single' as const, required: true, value: '' }], dataForm: false }
    const err = new CoreError('tls-pin-mismatch', 'changed', { condition: 'x', cert, pinned: 'EF:01', form, cause: new Error('inner') })
    const view = err.toView()
    expect(view).toEqual({ code: 'tls-pin-mismatch', detail: 'changed', condition: 'x', cert, pinned: 'EF:01', form })
    expect(structuredClone(view)).toEqual(view)
    expect(view).not.toHaveProperty('cause')
  })
})
