import Store from 'electron-store'
import type { UiSettings } from '../../shared/ipc/contract'
import type { AccountConfig } from '../../shared/model/account'
import type { UiSettingsPort } from '../core/api/createApi'
import type { SettingsPort } from '../core/ports'

export interface DesktopSettings {
  /** Closing the main window keeps Parley running in the tray. */
  closeToTray: boolean
  startAtLogin: boolean
  startHidden: boolean
  notifications: boolean
  /** Show message text in notifications (privacy: off shows only who wrote). */
  notificationText: boolean
  /** Conversations muted for notifications, as `account\0peer`. */
  mutedChats: string[]
}

export interface SettingsSchema extends Record<string, unknown> {
  accounts: AccountConfig[]
  ui: UiSettings
  desktop: DesktopSettings
}

export const DEFAULT_UI: UiSettings = { language: 'system', theme: 'system', sendTyping: true }
export const DEFAULT_DESKTOP: DesktopSettings = {
  closeToTray: true,
  startAtLogin: false,
  startHidden: false,
  notifications: true,
  notificationText: true,
  mutedChats: []
}

/**
 * Settings in electron-store (one JSON file in the profile): accounts (never passwords), UI and
 * desktop preferences, with a schema and migrations. Message history does not live here.
 */
export function createSettingsStore(options: { cwd?: string } = {}) {
  const store = new Store<SettingsSchema>({
    name: 'settings',
    ...(options.cwd ? { cwd: options.cwd } : {}),
    configFileMode: 0o600,
    clearInvalidConfig: false,
    defaults: { accounts: [], ui: DEFAULT_UI, desktop: DEFAULT_DESKTOP },
    schema: {
      accounts: { type: 'array', items: { type: 'object', required: ['id', 'jid', 'enabled'] } },
      ui: { type: 'object' },
      desktop: { type: 'object' }
    },
    migrations: {
      // Settings written before a key existed get its default (and unknown keys are dropped).
      '0.1.0': (s) => {
        s.set('ui', { ...DEFAULT_UI, ...(s.get('ui') as Partial<UiSettings> | undefined) })
        s.set('desktop', { ...DEFAULT_DESKTOP, ...(s.get('desktop') as Partial<DesktopSettings> | undefined) })
      }
    }
  })

  const accounts: SettingsPort = {
    loadAccounts: async () => structuredClone(store.get('accounts')),
    saveAccounts: async (list) => store.set('accounts', structuredClone(list))
  }
  const ui: UiSettingsPort = {
    get: () => ({ ...DEFAULT_UI, ...store.get('ui') }),
    set: (next) => store.set('ui', { ...next })
  }
  const desktop = {
    get: (): DesktopSettings => ({ ...DEFAULT_DESKTOP, ...store.get('desktop') }),
    set: (patch: Partial<DesktopSettings>): DesktopSettings => {
      const next = { ...DEFAULT_DESKTOP, ...store.get('desktop'), ...patch }
      store.set('desktop', next)
      return next
    }
  }
  return { store, accounts, ui, desktop, path: store.path }
}
