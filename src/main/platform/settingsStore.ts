import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { app } from 'electron'
import Store, { type Schema } from 'electron-store'
import { z } from 'zod'
import type { ChatKey, DesktopSettings, DesktopSettingsPatch, UiSettings } from '../../shared/ipc/contract'
import type { AccountConfig } from '../../shared/model/account'
import type { UiSettingsPort } from '../core/api/createApi'
import type { SettingsPort } from '../core/ports'

export type { DesktopSettings } from '../../shared/ipc/contract'

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

// What a valid file holds. Parsing with these also repairs: a bad field falls back to its default
// and a bad account is dropped, instead of the whole file being refused. Keys these do not know
// (written by a newer Parley) are tolerated: an account must never be lost over a field added later.
const server = z.object({ host: z.string().min(1).max(253), port: z.number().int().min(1).max(65535), tls: z.enum(['starttls', 'direct']) }).loose()
const account = z
  .object({
    id: z.string().min(1).max(64),
    jid: z.string().min(3).max(3071),
    enabled: z.boolean(),
    server: server.optional(),
    resource: z.string().max(1023).optional(),
    pinnedCertificate: z.string().max(200).optional(),
    color: z.string().max(16).optional()
  })
  .loose()
const chatKey = z.object({ account: z.string().min(1).max(64), peer: z.string().min(1).max(3071) }).loose()
const field = <T extends z.ZodType>(schema: T, fallback: z.infer<T>) => schema.catch(fallback)
const uiShape = z.object({
  language: field(z.enum(['system', 'en', 'zh-CN']), DEFAULT_UI.language),
  theme: field(z.enum(['system', 'light', 'dark']), DEFAULT_UI.theme),
  sendTyping: field(z.boolean(), DEFAULT_UI.sendTyping)
})
const desktopShape = z.object({
  closeToTray: field(z.boolean(), DEFAULT_DESKTOP.closeToTray),
  startAtLogin: field(z.boolean(), DEFAULT_DESKTOP.startAtLogin),
  startHidden: field(z.boolean(), DEFAULT_DESKTOP.startHidden),
  notifications: field(z.boolean(), DEFAULT_DESKTOP.notifications),
  notificationText: field(z.boolean(), DEFAULT_DESKTOP.notificationText),
  mutedChats: z
    .array(z.unknown())
    .catch([])
    .transform((list) => list.flatMap((c) => (chatKey.safeParse(c).success ? [c as ChatKey] : [])).slice(0, 10_000))
})

/** Any value read from disk → valid settings of that kind (defaults where it was wrong or missing). */
export const repairUi = (value: unknown): UiSettings => uiShape.parse(isObject(value) ? value : {})
export const repairDesktop = (value: unknown): DesktopSettings => desktopShape.parse(isObject(value) ? value : {}) as DesktopSettings
export const repairAccounts = (value: unknown): AccountConfig[] =>
  Array.isArray(value) ? value.flatMap((a) => (account.safeParse(a).success ? [a as AccountConfig] : [])) : []

// The same rules for electron-store, which checks every write against them.
const STORE_SCHEMA: Schema<SettingsSchema> = {
  accounts: {
    type: 'array',
    items: {
      type: 'object',
      required: ['id', 'jid', 'enabled'],
      properties: { id: { type: 'string' }, jid: { type: 'string' }, enabled: { type: 'boolean' } }
    }
  },
  ui: {
    type: 'object',
    properties: {
      language: { enum: ['system', 'en', 'zh-CN'] },
      theme: { enum: ['system', 'light', 'dark'] },
      sendTyping: { type: 'boolean' }
    }
  },
  desktop: {
    type: 'object',
    properties: {
      closeToTray: { type: 'boolean' },
      startAtLogin: { type: 'boolean' },
      startHidden: { type: 'boolean' },
      notifications: { type: 'boolean' },
      notificationText: { type: 'boolean' },
      mutedChats: {
        type: 'array',
        items: { type: 'object', required: ['account', 'peer'], properties: { account: { type: 'string' }, peer: { type: 'string' } } }
      }
    }
  }
}

export interface SettingsStoreOptions {
  /** The profile folder (default: Electron's userData). */
  cwd?: string
  /** Told when a damaged file had to be repaired or set aside (and where the original was kept). */
  onRepair?: (what: string) => void
}

/**
 * Settings in electron-store (one JSON file in the profile): accounts (never passwords), UI and
 * desktop preferences, with a schema, defaults and migrations. Message history does not live here.
 * A file that breaks the schema (edited by hand, written by a newer Parley) is repaired field by
 * field before the store opens it, so the app still starts and keeps what was valid.
 */
export function createSettingsStore(options: SettingsStoreOptions = {}) {
  const cwd = options.cwd ?? app.getPath('userData')
  repairFile(join(cwd, 'settings.json'), options.onRepair)
  const store = new Store<SettingsSchema>({
    name: 'settings',
    cwd,
    configFileMode: 0o600,
    clearInvalidConfig: false,
    defaults: { accounts: [], ui: DEFAULT_UI, desktop: DEFAULT_DESKTOP },
    schema: STORE_SCHEMA,
    migrations: {
      // 0.1.0: every key gets its default when the file predates it; unknown keys are dropped.
      '0.1.0': (s) => {
        s.set('ui', repairUi(s.get('ui')))
        s.set('desktop', repairDesktop(s.get('desktop')))
      }
    }
  })

  const accounts: SettingsPort = {
    loadAccounts: async () => repairAccounts(store.get('accounts')),
    saveAccounts: async (list) => store.set('accounts', structuredClone(list))
  }
  const ui: UiSettingsPort = {
    get: () => repairUi(store.get('ui')),
    set: (next) => store.set('ui', repairUi(next))
  }
  const desktop = {
    get: (): DesktopSettings => repairDesktop(store.get('desktop')),
    set: (patch: DesktopSettingsPatch | { mutedChats: ChatKey[] }): DesktopSettings => {
      const next = repairDesktop({ ...store.get('desktop'), ...patch })
      store.set('desktop', next)
      return next
    }
  }
  return { store, accounts, ui, desktop, path: store.path }
}

function repairFile(path: string, onRepair?: (what: string) => void): void {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return // no file yet: the store starts from the defaults
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    // Not JSON at all: keep it for the user to inspect and start afresh.
    const aside = `${path}.broken-${Date.now()}`
    renameSync(path, aside)
    onRepair?.(`settings file was not valid JSON; set aside as ${aside}`)
    return
  }
  if (!isObject(data)) {
    const aside = `${path}.broken-${Date.now()}`
    renameSync(path, aside)
    onRepair?.(`settings file held no object; set aside as ${aside}`)
    return
  }
  const fixed: Record<string, unknown> = { ...data }
  if ('accounts' in data) fixed['accounts'] = repairAccounts(data['accounts'])
  if ('ui' in data) fixed['ui'] = repairUi(data['ui'])
  if ('desktop' in data) fixed['desktop'] = repairDesktop(data['desktop'])
  if (JSON.stringify(fixed) === JSON.stringify(data)) return
  // What is dropped (an account among it, perhaps) stays in a copy beside the file, never lost.
  const backup = `${path}.bak-${Date.now()}`
  writeFileSync(backup, text, { mode: 0o600 })
  writeFileSync(path, JSON.stringify(fixed, undefined, '\t'), { mode: 0o600 })
  onRepair?.(`settings file broke the schema; invalid entries replaced by defaults (original kept as ${backup})`)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
