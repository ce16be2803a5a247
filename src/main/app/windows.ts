import { fileURLToPath } from 'node:url'
import { BrowserWindow, type WebFrameMain, type WebPreferences } from 'electron'
import type { AccountId } from '../../shared/model/ids'

export interface WindowsOptions {
  preload: string
  /** Absolute path of the built renderer's index.html. */
  rendererIndex: string
  /** electron-vite's dev server URL, only when not packaged. */
  devUrl?: string | undefined
  icon?: string | undefined
  onMainClose?: (event: Electron.Event) => void
  /** The main window's page stopped listening: the window closed, its renderer died or it reloaded. */
  onMainGone?: () => void
  /** The main window was shown (the first time, or again from the tray). */
  onMainShow?: () => void
}

/** The same locked-down preferences for every window (Electron security checklist #2–4). */
export function securePreferences(preload: string): WebPreferences {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: true
  }
}

/** Parley's windows: the main one and a window per popped-out conversation. */
export class Windows {
  main: BrowserWindow | null = null
  private readonly chats = new Map<string, BrowserWindow>()

  constructor(private readonly opts: WindowsOptions) {}

  openMain(show = true): BrowserWindow {
    if (this.main && !this.main.isDestroyed()) {
      if (show) this.focus(this.main)
      return this.main
    }
    const win = this.create({ width: 1100, height: 720, minWidth: 720, minHeight: 480 }, '')
    if (show) win.once('ready-to-show', () => win.show())
    win.on('close', (event) => this.opts.onMainClose?.(event))
    win.on('show', () => this.opts.onMainShow?.())
    // Only while it is the main window: a late event of a replaced one must not undo its successor.
    const gone = (): void => {
      if (this.main === win) this.opts.onMainGone?.()
    }
    win.on('closed', () => {
      gone()
      if (this.main === win) this.main = null
    })
    win.webContents.on('render-process-gone', gone)
    // A new document committed (a reload): not `did-start-navigation`, which also fires for the
    // navigations `will-navigate` then refuses, while the page stays and listens.
    win.webContents.on('did-navigate', gone)
    this.main = win
    return win
  }

  /** The popped-out window of a conversation, if open. */
  chatWindow(account: AccountId, peer: string): BrowserWindow | null {
    const win = this.chats.get(`${account}\u0000${peer}`)
    return win && !win.isDestroyed() ? win : null
  }

  openChat(account: AccountId, peer: string): BrowserWindow {
    const key = `${account}\u0000${peer}`
    const existing = this.chats.get(key)
    if (existing && !existing.isDestroyed()) {
      this.focus(existing)
      return existing
    }
    const win = this.create({ width: 520, height: 640, minWidth: 360, minHeight: 360 }, `#/chat/${encodeURIComponent(account)}/${encodeURIComponent(peer)}`)
    win.once('ready-to-show', () => win.show())
    win.on('closed', () => this.chats.delete(key))
    this.chats.set(key, win)
    return win
  }

  all(): BrowserWindow[] {
    return [this.main, ...this.chats.values()].filter((w): w is BrowserWindow => w !== null && !w.isDestroyed())
  }

  focus(win: BrowserWindow | null = this.main): void {
    if (!win || win.isDestroyed()) return
    if (win.isMinimized()) win.restore()
    win.show()
    win.focus()
  }

  /** IPC is answered only for the top frame of a page that is Parley's own renderer. */
  readonly isTrustedFrame = (frame: WebFrameMain | null | undefined): boolean => {
    if (!frame || frame.parent !== null) return false
    return this.isOurUrl(frame.url)
  }

  isOurUrl(raw: string): boolean {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return false
    }
    if (this.opts.devUrl) return url.origin === new URL(this.opts.devUrl).origin
    if (url.protocol !== 'file:') return false
    try {
      // The path only: the hash (`#/chat/…`) selects a view inside the same page.
      return url.host === '' && fileURLToPath(url) === this.opts.rendererIndex
    } catch {
      return false
    }
  }

  private create(size: { width: number; height: number; minWidth: number; minHeight: number }, hash: string): BrowserWindow {
    const win = new BrowserWindow({
      ...size,
      show: false,
      title: 'Parley',
      backgroundColor: '#1d1f23',
      autoHideMenuBar: true,
      ...(this.opts.icon ? { icon: this.opts.icon } : {}),
      webPreferences: securePreferences(this.opts.preload)
    })
    if (this.opts.devUrl) void win.loadURL(`${this.opts.devUrl}${hash}`)
    else void win.loadFile(this.opts.rendererIndex, hash ? { hash: hash.slice(1) } : {})
    reloadAfterCrash(win)
    return win
  }
}

const CRASH_RELOADS = 3
const CRASH_WINDOW_MS = 60_000

/**
 * A page whose renderer crashed or was killed is loaded again, so the window is not left blank
 * and what waits for it (an xmpp: link, a notification click) is delivered to the new page. A
 * page that keeps crashing (three times a minute) is left alone rather than reloaded in a loop.
 */
function reloadAfterCrash(win: BrowserWindow): void {
  let recent: number[] = []
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit' || win.isDestroyed()) return
    const now = Date.now()
    recent = [...recent.filter((t) => now - t < CRASH_WINDOW_MS), now]
    if (recent.length <= CRASH_RELOADS) win.webContents.reload()
  })
}
