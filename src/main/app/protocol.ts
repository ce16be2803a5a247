import { app } from 'electron'
import type { UriAction } from '../../shared/ipc/contract'
import { parseXmppUri, uriFromArgv } from './xmppUri'

export const SCHEME = 'xmpp'

/**
 * xmpp: links reaching Parley: on the command line (first start on Windows and Linux), from a
 * second instance, or as macOS `open-url`. Each is parsed (hostile ones become a refusal), the
 * window is brought forward and told, and the window asks the user before anything happens.
 * A link that arrives while no main window page listens (before the first is ready, or after it
 * was closed, crashed or reloaded while Parley stayed in the tray) waits until a page takes it;
 * so does any other delivery to that page (a notification's "show this chat").
 */
export class UriInbox {
  private pending: UriAction | null = null
  private waiting: (() => void) | null = null
  private windowReady = false
  private emit: ((action: UriAction) => void) | null = null

  constructor(private readonly bringForward: () => void = () => undefined) {}

  /** Where actions go once a window is ready (the `desktop.uri` event). */
  connect(emit: (action: UriAction) => void): void {
    this.emit = emit
  }

  /** A raw link from the outside. */
  receive(raw: string): void {
    const action = parseXmppUri(raw)
    this.bringForward()
    if (this.windowReady && this.emit) this.emit(action)
    else this.pending = action
  }

  receiveArgv(argv: readonly string[]): void {
    const raw = uriFromArgv(argv)
    if (raw !== null) this.receive(raw)
  }

  /**
   * Runs `deliver` now if the main window's page listens, otherwise once a page takes over (only
   * the latest waits: it is what the user asked for last).
   */
  whenReady(deliver: () => void): void {
    if (this.windowReady) deliver()
    else this.waiting = deliver
  }

  /** The main window's page is gone (closed, crashed, reloaded): hold everything for the next one. */
  windowGone(): void {
    this.windowReady = false
  }

  /** The window asks once it can show a confirmation; from then on links come as events. */
  take(): UriAction | null {
    this.windowReady = true
    const action = this.pending
    const deliver = this.waiting
    this.pending = null
    this.waiting = null
    deliver?.()
    return action
  }
}

/**
 * Makes Parley the system's handler for xmpp: links. Only for the installed app: a development
 * build must not take the handler over from the user's real client.
 */
export function registerProtocolClient(): boolean {
  if (!app.isPackaged) return false
  return app.setAsDefaultProtocolClient(SCHEME)
}
