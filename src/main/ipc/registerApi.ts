import { ipcMain, type IpcMainEvent, type WebContents, type WebFrameMain } from 'electron'
import { API_METHODS, EVENT_NAMES, eventChannel, invokeChannel, SUBSCRIBE_CHANNEL, type EventName, type Result } from '../../shared/ipc/contract'
import type { ApiService } from '../core/api/createApi'
import { dispatch } from './dispatch'

export type FrameCheck = (frame: WebFrameMain | null | undefined) => boolean

/** The answer to a caller that is not Parley's own top-level page: the API is not run. */
const REFUSED: Result<never> = { ok: false, error: { code: 'forbidden', detail: 'Refused: the caller is not a Parley window' } }

/**
 * One `ipcMain.handle` per method of the contract (never a generic channel): each checks that the
 * caller is Parley's own top-level page (Electron security checklist #17), validates the arguments
 * and answers with a Result. Events go only to the windows that asked for them.
 */
export function registerApi(service: ApiService, isTrusted: FrameCheck): () => void {
  const channels: string[] = []
  for (const [ns, methods] of Object.entries(API_METHODS)) {
    for (const method of methods) {
      const channel = invokeChannel(ns, method)
      channels.push(channel)
      ipcMain.handle(channel, (event, ...args: unknown[]) => (isTrusted(event.senderFrame) ? dispatch(service.api, ns, method, args) : REFUSED))
    }
  }

  const subscribers = new Map<EventName, Set<WebContents>>(EVENT_NAMES.map((name) => [name, new Set()]))
  const onSubscribe = (event: IpcMainEvent, name: unknown): void => {
    if (!isTrusted(event.senderFrame) || typeof name !== 'string') return
    const set = subscribers.get(name as EventName)
    if (!set || set.has(event.sender)) return
    set.add(event.sender)
    event.sender.once('destroyed', () => set.delete(event.sender))
  }
  ipcMain.on(SUBSCRIBE_CHANNEL, onSubscribe)
  const unsubscribe = EVENT_NAMES.map((name) =>
    service.on(name, (payload) => {
      for (const contents of subscribers.get(name) ?? []) {
        if (!contents.isDestroyed()) contents.send(eventChannel(name), payload)
      }
    })
  )

  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel)
    ipcMain.off(SUBSCRIBE_CHANNEL, onSubscribe)
    for (const off of unsubscribe) off()
  }
}
