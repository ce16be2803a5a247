import { beforeEach, describe, expect, test, vi } from 'vitest'
import { ApiError, api, on } from '../../../src/renderer/src/lib/api'
import { A1, fail, installFakeBridge, ok, type FakeBridge } from './fakeBridge'

let bridge: FakeBridge
beforeEach(() => {
  bridge = installFakeBridge()
})

describe('lib/api', () => {
  test('unwraps a successful Result and passes the arguments through', async () => {
    bridge.api.contacts.add.mockResolvedValueOnce(ok(undefined))
    await expect(api.contacts.add(A1, 'bob@example.org', 'Bob', ['Friends'], 'hi')).resolves.toBeUndefined()
    expect(bridge.api.contacts.add).toHaveBeenCalledWith(A1, 'bob@example.org', 'Bob', ['Friends'], 'hi')
    bridge.api.accounts.list.mockResolvedValueOnce(ok([]))
    await expect(api.accounts.list()).resolves.toEqual([])
  })

  test('a failed Result throws an ApiError carrying the whole error view', async () => {
    const cert = { fingerprint256: 'AA:BB', subject: 'CN=x', issuer: 'CN=x', subjectAltName: '', validFrom: 1, validTo: 2, reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' }
    bridge.api.accounts.signIn.mockResolvedValueOnce(fail({ code: 'tls-pin-mismatch', detail: 'changed', condition: 'c', cert, pinned: 'CC:DD' }))
    const err = await api.accounts.signIn({ jid: 'a@b.c', password: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ code: 'tls-pin-mismatch', detail: 'changed', condition: 'c', cert, pinned: 'CC:DD', message: 'changed' })
    expect((err as ApiError).toView()).toEqual({ code: 'tls-pin-mismatch', detail: 'changed', condition: 'c', cert, pinned: 'CC:DD' })
  })

  test('a bridge that throws (e.g. an uncloneable argument) becomes an internal ApiError', async () => {
    bridge.api.chats.send.mockRejectedValueOnce(new Error('An object could not be cloned'))
    await expect(api.chats.send(A1, 'x@y.z', 'hi', null)).rejects.toMatchObject({ code: 'internal', detail: 'An object could not be cloned' })
  })

  test('reads window.parley at call time and forwards events with an unsubscribe', async () => {
    const listener = vi.fn()
    const off = on('settings', listener)
    bridge.emit('settings', { language: 'en', theme: 'dark', sendTyping: false })
    expect(listener).toHaveBeenCalledWith({ language: 'en', theme: 'dark', sendTyping: false })
    off()
    bridge.emit('settings', { language: 'en', theme: 'light', sendTyping: false })
    expect(listener).toHaveBeenCalledTimes(1)
    const other = installFakeBridge()
    await api.chats.list()
    expect(other.api.chats.list).toHaveBeenCalledTimes(1)
    expect(bridge.api.chats.list).not.toHaveBeenCalled()
  })
})
