import { app, type BrowserWindow } from 'electron'
import type { DesktopSettings } from '../../shared/ipc/contract'

/** A server that does not answer must not keep Parley from quitting. */
export const SIGN_OUT_TIMEOUT_MS = 3000

export interface LifecycleDeps {
  settings: () => DesktopSettings
  /** The main window, if open. */
  mainWindow: () => BrowserWindow | null
  /** Signs every account out cleanly (closes streams, sends unavailable presence). */
  signOutAll: () => Promise<void>
  /** Whether there is a tray to come back from; without one, closing must not hide Parley. */
  hasTray: () => boolean
  platform?: NodeJS.Platform
  signOutTimeoutMs?: number
}

/**
 * How Parley starts, hides and ends. Closing the main window hides it in the tray (a setting);
 * quitting first signs every account out, then really quits.
 */
export class Lifecycle {
  private quitting = false
  private signedOut = false
  private readonly platform: NodeJS.Platform

  constructor(private readonly deps: LifecycleDeps) {
    this.platform = deps.platform ?? process.platform
  }

  /** Hooks the app events; call once. */
  install(): void {
    app.on('before-quit', (event) => this.onBeforeQuit(event))
    app.on('window-all-closed', () => this.onAllWindowsClosed())
  }

  get isQuitting(): boolean {
    return this.quitting
  }

  /** The main window's `close`: hide instead, unless quitting or the user wants closing to close. */
  readonly onMainClose = (event: Electron.Event): void => {
    if (this.quitting || !this.deps.settings().closeToTray || !this.deps.hasTray()) return
    // macOS keeps apps running after their last window closes; the Dock brings Parley back.
    if (this.platform === 'darwin') return
    event.preventDefault()
    this.deps.mainWindow()?.hide()
  }

  quit(): void {
    app.quit()
  }

  private onBeforeQuit(event: Electron.Event): void {
    if (this.signedOut) return
    event.preventDefault()
    if (this.quitting) return
    this.quitting = true
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.deps.signOutTimeoutMs ?? SIGN_OUT_TIMEOUT_MS).unref())
    void Promise.race([this.deps.signOutAll().catch(() => undefined), timeout]).then(() => {
      this.signedOut = true
      app.quit()
    })
  }

  private onAllWindowsClosed(): void {
    // On macOS apps stay in the Dock; elsewhere no window and no tray to return to means quit.
    if (this.platform !== 'darwin' && (this.quitting || !this.deps.settings().closeToTray || !this.deps.hasTray())) app.quit()
  }

  /** Whether to start with the window hidden: started at login with "start hidden" set, or `--hidden`. */
  startHidden(argv: readonly string[], startedAtLogin: boolean): boolean {
    if (!this.deps.hasTray() && this.platform !== 'darwin') return false
    return argv.includes('--hidden') || (startedAtLogin && this.deps.settings().startHidden)
  }
}
