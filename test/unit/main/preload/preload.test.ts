import { beforeAll, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('../app/electronMock')).electronModule())

import { API_METHODS, EVENT_NAMES, eventChannel, invokeChannel, SUBSCRIBE_CHANNEL, type Bridge } from '../../../../src/shared/ipc/contract'
import { electron } from '../app/electronMock'

let bridge: Bridge & Record<string, unknown>
beforeAll(async () => {
  await import('../../../../src/preload/index')
  bridge = electron.contextBridge.exposed.get('parley') as Bridge & Record<string, unknown>
})

describe('preload', () => {
  it('exposes only `parley`, with exactly `api` and `on`', () => {
    expect([...electron.contextBridge.exposed.keys()]).toEqual(['parley'])
    expect(Object.keys(bridge).sort()).toEqual(['api', 'on'])
    expect(Object.isFrozen(bridge)).toBe(true)
    expect(Object.isFrozen(bridge.api)).toBe(true)
  })

  it('has one function per method of the contract and nothing else', () => {
    expect(Object.keys(bridge.api).sort()).toEqual(Object.keys(API_METHODS).sort())
    for (const [ns, methods] of Object.entries(API_METHODS)) {
      const group = (bridge.api as unknown as Record<string, Record<string, unknown>>)[ns] ?? {}
      expect(Object.keys(group).sort(), ns).toEqual([...methods].sort())
      for (const m of methods) expect(typeof group[m]).toBe('function')
    }
  })

  it('exposes nothing like ipcRenderer, send or invoke, anywhere', () => {
    const seen = new Set<unknown>()
    const names: string[] = []
    const contract = new Set(Object.entries(API_METHODS).flatMap(([ns, ms]) => ms.map((m) => `api.${ns}.${m}`)))
    const walk = (value: unknown, path: string): void => {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return
      seen.add(value)
      for (const key of Object.keys(value as object)) {
        const at = path ? `${path}.${key}` : key
        // Methods of the contract may have any name (`chats.send` is sending a message).
        if (!contract.has(at)) names.push(key)
        walk((value as Record<string, unknown>)[key], at)
      }
    }
    walk(bridge, '')
    for (const bad of ['ipcRenderer', 'send', 'sendSync', 'invoke', 'postMessage', 'require', 'process', 'electron']) expect(names).not.toContain(bad)
    expect(Object.values(bridge).includes(electron.ipcRenderer)).toBe(false)
  })

  it('calls each method on its own channel, forwarding the arguments', async () => {
    const api = bridge.api as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>
    await api['desktop']?.['muteChat']?.('acc', 'juliet@capulet.lit', true)
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(invokeChannel('desktop', 'muteChat'), 'acc', 'juliet@capulet.lit', true)
    await api['chats']?.['list']?.()
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('api:chats.list')
  })

  it('`on` refuses unknown events and non-functions', () => {
    expect(() => bridge.on('ipc-message' as never, () => undefined)).toThrow(/Unknown event/)
    expect(() => bridge.on('__proto__' as never, () => undefined)).toThrow(/Unknown event/)
    expect(() => bridge.on('messages', 'alert(1)' as never)).toThrow(/function/)
  })

  it('`on` subscribes once per event and passes only the payload, never the IpcRendererEvent', () => {
    const got: unknown[][] = []
    const off = bridge.on('desktop.uri', (...args: unknown[]) => void got.push(args))
    bridge.on('desktop.uri', () => undefined)
    expect(electron.ipcRenderer.send.mock.calls.filter(([c, e]) => c === SUBSCRIBE_CHANNEL && e === 'desktop.uri')).toHaveLength(1)
    const ipcEvent = { sender: electron.ipcRenderer, senderFrame: {}, ports: [] }
    const action = { kind: 'refused', reason: 'authority' }
    electron.ipcRenderer.emit(eventChannel('desktop.uri'), ipcEvent, action)
    expect(got).toEqual([[action]])
    off()
    electron.ipcRenderer.emit(eventChannel('desktop.uri'), ipcEvent, action)
    expect(got).toHaveLength(1)
  })

  it('accepts every event of the contract', () => {
    for (const name of EVENT_NAMES) expect(typeof bridge.on(name, () => undefined)).toBe('function')
  })
})
