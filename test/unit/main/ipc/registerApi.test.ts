import { EventEmitter } from 'node:events'
import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('../app/electronMock')).electronModule())

import { registerApi } from '../../../../src/main/ipc/registerApi'
import type { ApiService } from '../../../../src/main/core/api/createApi'
import { API_METHODS, EVENT_NAMES, eventChannel, invokeChannel, SUBSCRIBE_CHANNEL, type EventName } from '../../../../src/shared/ipc/contract'
import { electron, MockWebContents } from '../app/electronMock'

const ACCOUNT = '4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01'
const TRUSTED = { url: 'file:///app/index.html', parent: null }
const isTrusted = (frame: unknown): boolean => frame === TRUSTED

/** A service whose every method is a spy, so a test sees what reached it. */
function fakeService() {
  const emitter = new EventEmitter()
  const api: Record<string, Record<string, ReturnType<typeof vi.fn>>> = {}
  for (const [ns, methods] of Object.entries(API_METHODS)) {
    api[ns] = Object.fromEntries(methods.map((m) => [m, vi.fn(async () => `${ns}.${m} result`)]))
  }
  const service = {
    api,
    on: (event: EventName, listener: (payload: unknown) => void) => {
      emitter.on(event, listener)
      return () => emitter.off(event, listener)
    },
    emit: (event: EventName, payload: unknown) => emitter.emit(event, payload)
  }
  return service
}

const call = (channel: string, frame: unknown, ...args: unknown[]) => {
  const handler = electron.ipcMain.handlers.get(channel)
  if (!handler) throw new Error(`no handler for ${channel}`)
  return handler({ senderFrame: frame, sender: new MockWebContents() }, ...args)
}

let service: ReturnType<typeof fakeService>
let dispose: () => void
beforeEach(() => {
  dispose?.()
  service = fakeService()
  dispose = registerApi(service as unknown as ApiService, isTrusted as never)
})

describe('registerApi', () => {
  it('registers one handler per method of the contract, and no other', () => {
    const expected = Object.entries(API_METHODS).flatMap(([ns, ms]) => ms.map((m) => invokeChannel(ns, m)))
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(expected.sort())
    expect(expected).toContain('api:desktop.setFocusedChat')
  })

  it('refuses callers that are not Parley’s own top frame with forbidden (not internal), without calling the API', async () => {
    for (const frame of [null, undefined, { url: 'https://evil.example/', parent: null }, { ...TRUSTED, parent: TRUSTED }]) {
      expect(await call('api:chats.send', frame, ACCOUNT, 'juliet@capulet.lit', 'hi')).toEqual({
        ok: false,
        error: { code: 'forbidden', detail: 'Refused: the caller is not a Parley window' }
      })
    }
    expect(service.api['chats']?.['send']).not.toHaveBeenCalled()
  })

  it('answers invalid arguments with invalid-argument, without calling the API', async () => {
    const bad: [string, unknown[]][] = [
      ['api:chats.send', [ACCOUNT, 'juliet@capulet.lit']],
      ['api:chats.send', ['not-a-uuid', 'juliet@capulet.lit', 'hi']],
      ['api:chats.send', [ACCOUNT, 'juliet@capulet.lit', 'x'.repeat(70_000)]],
      ['api:desktop.update', [{ closeToTray: 'yes' }]],
      ['api:desktop.update', [{ mutedChats: [] }]],
      ['api:desktop.update', [{ evil: true }]],
      ['api:desktop.muteChat', [ACCOUNT, 'juliet@capulet.lit']],
      ['api:desktop.setFocusedChat', [{ account: ACCOUNT }]],
      ['api:desktop.setFocusedChat', [{ account: ACCOUNT, peer: 'juliet@capulet.lit', extra: 1 }]],
      ['api:desktop.allowWeakSecrets', ['true']],
      ['api:desktop.takeUri', ['xmpp:a@b.c']],
      ['api:rooms.config', [ACCOUNT]],
      ['api:rooms.configure', [ACCOUNT, 'club@conference.capulet.lit', { name: 'x'.repeat(257) }]],
      ['api:rooms.configure', [ACCOUNT, 'club@conference.capulet.lit', { password: 'x'.repeat(257) }]],
      ['api:rooms.configure', [ACCOUNT, 'club@conference.capulet.lit', { membersOnly: 'yes' }]],
      ['api:rooms.configure', [ACCOUNT, 'club@conference.capulet.lit', { fields: { 'muc#roomconfig_maxusers': '1' } }]]
    ]
    for (const [channel, args] of bad) {
      expect(await call(channel, TRUSTED, ...args), `${channel} ${JSON.stringify(args).slice(0, 80)}`).toMatchObject({ ok: false, error: { code: 'invalid-argument' } })
    }
    for (const group of Object.values(service.api)) for (const fn of Object.values(group)) expect(fn).not.toHaveBeenCalled()
  })

  it('dispatches a valid call and wraps the answer', async () => {
    expect(await call('api:desktop.muteChat', TRUSTED, ACCOUNT, 'juliet@capulet.lit', true)).toEqual({ ok: true, value: 'desktop.muteChat result' })
    expect(service.api['desktop']?.['muteChat']).toHaveBeenCalledWith(ACCOUNT, 'juliet@capulet.lit', true)
    expect(await call('api:desktop.setFocusedChat', TRUSTED, null)).toEqual({ ok: true, value: 'desktop.setFocusedChat result' })
    expect(await call('api:desktop.update', TRUSTED, { notifications: false })).toMatchObject({ ok: true })
    // Room settings: any subset of them.
    expect(await call('api:rooms.configure', TRUSTED, ACCOUNT, 'club@conference.capulet.lit', { name: '读书会', moderated: true })).toMatchObject({ ok: true })
    expect(service.api['rooms']?.['configure']).toHaveBeenCalledWith(ACCOUNT, 'club@conference.capulet.lit', { name: '读书会', moderated: true })
  })

  it('files.cancelPreview takes one URL, by the same rules as files.preview', async () => {
    expect(electron.ipcMain.handlers.has('api:files.cancelPreview')).toBe(true)
    const link = 'https://up.example.org/slot/cat.png'
    expect(await call('api:files.cancelPreview', TRUSTED, link)).toEqual({ ok: true, value: 'files.cancelPreview result' })
    expect(service.api['files']?.['cancelPreview']).toHaveBeenCalledExactlyOnceWith(link)
    for (const bad of [[], [''], ['x'.repeat(8193)], [42], [null], [link, true]]) {
      expect(await call('api:files.cancelPreview', TRUSTED, ...bad), JSON.stringify(bad).slice(0, 40)).toMatchObject({ ok: false, error: { code: 'invalid-argument' } })
    }
    expect(service.api['files']?.['cancelPreview']).toHaveBeenCalledOnce()
    // The URL rules are those of preview: what one accepts or refuses, so does the other.
    for (const u of [link, '', 'x'.repeat(8192), 'x'.repeat(8193), 42]) {
      const preview = (await call('api:files.preview', TRUSTED, u, false)) as { ok: boolean }
      const cancel = (await call('api:files.cancelPreview', TRUSTED, u)) as { ok: boolean }
      expect(cancel.ok, String(u).slice(0, 20)).toBe(preview.ok)
    }
  })

  it('turns a thrown error into data', async () => {
    service.api['desktop']!['get']!.mockRejectedValueOnce(new Error('boom'))
    expect(await call('api:desktop.get', TRUSTED)).toMatchObject({ ok: false, error: { code: 'internal' } })
  })

  it('sends events only to subscribed, living windows that asked from a trusted frame', () => {
    const subscribed = new MockWebContents()
    const other = new MockWebContents()
    const untrusted = new MockWebContents()
    const gone = new MockWebContents()
    const subscribe = (sender: MockWebContents, name: string, frame: unknown = TRUSTED) => electron.ipcMain.emit(SUBSCRIBE_CHANNEL, { senderFrame: frame, sender }, name)
    subscribe(subscribed, 'desktop.uri')
    subscribe(subscribed, 'desktop.uri') // twice: still one delivery
    subscribe(other, 'messages')
    subscribe(untrusted, 'desktop.uri', { url: 'https://evil.example/', parent: null })
    subscribe(gone, 'desktop.uri')
    subscribe(subscribed, 'no-such-event')
    gone.destroyed = true

    const action = { kind: 'open-chat', jid: 'juliet@capulet.lit' }
    service.emit('desktop.uri', action)
    expect(subscribed.send).toHaveBeenCalledExactlyOnceWith(eventChannel('desktop.uri'), action)
    expect(other.send).not.toHaveBeenCalled()
    expect(untrusted.send).not.toHaveBeenCalled()
    expect(gone.send).not.toHaveBeenCalled()

    // A window that is destroyed is forgotten.
    subscribed.emit('destroyed')
    service.emit('desktop.uri', action)
    expect(subscribed.send).toHaveBeenCalledOnce()
  })

  it('lists the desktop events in the contract', () => {
    expect(EVENT_NAMES).toContain('desktop.uri')
    expect(EVENT_NAMES).toContain('desktop.settings')
  })

  it('removes every handler when disposed', () => {
    dispose()
    expect(electron.ipcMain.handlers.size).toBe(0)
    dispose = () => undefined
  })
})
