import { join } from 'node:path'
import { app, Menu, nativeImage, Tray, type BrowserWindow, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import type { AccountView, ChatKey, ConversationView } from '../../shared/ipc/contract'
import type { PresenceShow } from '../../shared/model/presence'
import type { ShellStrings } from './strings'

export type TrayStatus = Extract<PresenceShow, 'available' | 'away' | 'dnd' | 'offline'>

export interface TrayActions {
  open(): void
  /** Sets this status on every enabled account. */
  setStatus(show: TrayStatus): void
  setMuted(muted: boolean): void
  quit(): void
}

export interface TrayState {
  /** Unread messages over all conversations. */
  unread: number
  /** Some enabled account cannot connect or needs the user (password, certificate). */
  trouble: boolean
  /** Notifications are off (the global mute). */
  muted: boolean
}

export interface TrayOptions {
  /** Folder holding tray.png, tray-unread.png, tray-trouble.png and overlay-unread.png. */
  iconDir: string
  actions: TrayActions
  strings: () => ShellStrings
  /** The window that carries the Windows taskbar overlay. */
  window: () => BrowserWindow | null
  platform?: NodeJS.Platform
}

const STATUSES: readonly TrayStatus[] = ['available', 'away', 'dnd', 'offline']

/** Connection states that mean an enabled account is not working as the user wants. */
export function hasTrouble(accounts: readonly AccountView[]): boolean {
  return accounts.some((a) => {
    if (!a.enabled) return false
    const s = a.state.state
    return s === 'auth-failed' || s === 'error' || s === 'registration-failed' || s === 'reconnecting' || (s === 'disconnected' && a.state.reason !== null)
  })
}

/**
 * The unread total over all conversations. `conversations` events carry only the conversations
 * that changed, so the counts are kept per conversation; a removed conversation's or account's are dropped.
 */
export class UnreadTotal {
  private readonly counts = new Map<string, { account: string; unread: number }>()

  conversations(list: readonly ConversationView[], removed: readonly ChatKey[] = []): number {
    for (const c of list) this.counts.set(`${c.account}\u0000${c.peer}`, { account: c.account, unread: c.unread })
    for (const k of removed) this.counts.delete(`${k.account}\u0000${k.peer}`)
    return this.total
  }

  accounts(list: readonly AccountView[]): number {
    const ids = new Set<string>(list.map((a) => a.id))
    for (const [key, c] of this.counts) if (!ids.has(c.account)) this.counts.delete(key)
    return this.total
  }

  get total(): number {
    let sum = 0
    for (const c of this.counts.values()) sum += c.unread
    return sum
  }
}

/**
 * The tray icon: its picture says "unread" or "connection trouble", its tooltip the count, and its
 * menu opens Parley, sets the status of all accounts, mutes notifications and quits. Where the
 * system has one, the unread count also goes on the app badge (macOS Dock, Linux launchers) or as
 * an overlay on the taskbar button (Windows).
 */
export class TrayController {
  private readonly tray: Tray
  private readonly icons: Record<'normal' | 'unread' | 'trouble' | 'overlay', NativeImage>
  private readonly platform: NodeJS.Platform
  private state: TrayState = { unread: 0, trouble: false, muted: false }
  private rendered = ''

  constructor(private readonly opts: TrayOptions) {
    this.platform = opts.platform ?? process.platform
    const load = (name: string): NativeImage => nativeImage.createFromPath(join(opts.iconDir, name))
    this.icons = { normal: load('tray.png'), unread: load('tray-unread.png'), trouble: load('tray-trouble.png'), overlay: load('overlay-unread.png') }
    this.tray = new Tray(this.icons.normal)
    // Windows and Linux: a click opens Parley; macOS shows the menu on click by itself.
    if (this.platform !== 'darwin') this.tray.on('click', () => opts.actions.open())
    this.render()
  }

  update(patch: Partial<TrayState>): void {
    this.state = { ...this.state, ...patch, unread: Math.max(0, Math.floor(patch.unread ?? this.state.unread)) }
    this.render()
  }

  /**
   * The main window was shown (created, or back from the tray): Windows gives a shown window a new
   * taskbar button, without the overlay, and one set while there was no window went nowhere.
   */
  windowShown(): void {
    if (this.platform === 'win32') this.setBadge(this.state.unread)
  }

  /** Re-renders texts after the language changed. */
  refresh(): void {
    this.rendered = ''
    this.render()
  }

  destroy(): void {
    this.setBadge(0)
    this.tray.destroy()
  }

  private render(): void {
    const { unread, trouble, muted } = this.state
    const s = this.opts.strings()
    // Rebuilding the menu on every message would be wasted work: only when something shown changed.
    const key = JSON.stringify([unread, trouble, muted, s.open])
    if (key === this.rendered) return
    this.rendered = key
    this.tray.setImage(trouble ? this.icons.trouble : unread > 0 ? this.icons.unread : this.icons.normal)
    this.tray.setToolTip(s.tooltip(unread, trouble))
    this.tray.setContextMenu(Menu.buildFromTemplate(this.template(s)))
    this.setBadge(unread)
  }

  private template(s: ShellStrings): MenuItemConstructorOptions[] {
    const label: Record<TrayStatus, string> = { available: s.statusAvailable, away: s.statusAway, dnd: s.statusDnd, offline: s.statusOffline }
    const { actions } = this.opts
    return [
      { id: 'open', label: s.open, click: () => actions.open() },
      { type: 'separator' },
      { id: 'status', label: s.setStatus, submenu: STATUSES.map((show) => ({ id: `status-${show}`, label: label[show], click: () => actions.setStatus(show) })) },
      { id: 'mute', label: s.muteNotifications, type: 'checkbox', checked: this.state.muted, click: (item) => actions.setMuted(item.checked) },
      { type: 'separator' },
      { id: 'quit', label: s.quit, click: () => actions.quit() }
    ]
  }

  private setBadge(unread: number): void {
    if (this.platform === 'win32') {
      const win = this.opts.window()
      if (win && !win.isDestroyed()) win.setOverlayIcon(unread > 0 ? this.icons.overlay : null, unread > 0 ? this.opts.strings().tooltip(unread, false) : '')
      return
    }
    // macOS Dock and Linux launchers with the Unity LauncherEntry API; elsewhere it returns false.
    app.setBadgeCount(unread)
  }
}
