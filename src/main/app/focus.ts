import type { BrowserWindow } from 'electron'
import type { ChatKey } from '../../shared/ipc/contract'
import type { AccountId } from '../../shared/model/ids'

export interface FocusWindows {
  main: BrowserWindow | null
  /** The popped-out window of this conversation, if there is one. */
  chatWindow(account: AccountId, peer: string): BrowserWindow | null
}

/**
 * Which conversation the user is looking at, so that it does not notify. Popped-out chat windows
 * are known to main; for the main window the renderer reports the conversation it shows.
 */
export class FocusTracker {
  private focused: ChatKey | null = null

  constructor(private readonly windows: FocusWindows) {}

  /** What the main window shows now (null: a list, the settings, nothing). */
  set(chat: ChatKey | null): void {
    this.focused = chat ? { account: chat.account, peer: chat.peer } : null
  }

  readonly isChatOnScreen = (account: AccountId, peer: string): boolean => {
    if (looking(this.windows.chatWindow(account, peer))) return true
    const f = this.focused
    return f !== null && f.account === account && f.peer === peer && looking(this.windows.main)
  }
}

/** Shown, not minimised and focused: the user sees it (a window behind others does not count). */
function looking(win: BrowserWindow | null): boolean {
  return win !== null && !win.isDestroyed() && win.isVisible() && !win.isMinimized() && win.isFocused()
}
