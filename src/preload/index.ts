import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { API_METHODS, EVENT_NAMES, eventChannel, invokeChannel, SUBSCRIBE_CHANNEL, type Bridge, type EventName } from '../shared/ipc/contract'

// The only user of ipcRenderer. It exposes exactly the contract: one function per method (never a
// generic `send`/`invoke`), and `on` for the listed events, passing only the payload.

const api: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {}
for (const [ns, methods] of Object.entries(API_METHODS)) {
  const group: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const method of methods) {
    const channel = invokeChannel(ns, method)
    group[method] = (...args) => ipcRenderer.invoke(channel, ...args)
  }
  api[ns] = Object.freeze(group)
}

const subscribed = new Set<EventName>()

function on(event: EventName, listener: (payload: unknown) => void): () => void {
  if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`Unknown event: ${String(event)}`)
  if (typeof listener !== 'function') throw new Error('listener must be a function')
  const channel = eventChannel(event)
  const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload)
  ipcRenderer.on(channel, handler)
  if (!subscribed.has(event)) {
    subscribed.add(event)
    ipcRenderer.send(SUBSCRIBE_CHANNEL, event)
  }
  return () => {
    ipcRenderer.removeListener(channel, handler)
  }
}

const bridge = Object.freeze({ api: Object.freeze(api), on }) as unknown as Bridge
contextBridge.exposeInMainWorld('parley', bridge)
