import { getContext, setContext } from 'svelte'
import type { AppInfo, UiSettings } from '../../../shared/ipc/contract'
import { api, on } from '../lib/api'
import { applyDocument } from '../lib/document'
import { resolveLocale, type I18n } from '../lib/i18n.svelte'

export const DEFAULT_SETTINGS: UiSettings = { language: 'system', theme: 'system', sendTyping: true }

/** UI settings (language, theme, typing notifications) and what the app knows about itself. */
export class SettingsState {
  settings = $state.raw<UiSettings>(DEFAULT_SETTINGS)
  info = $state.raw<AppInfo>({ name: 'Parley', version: '', platform: '', systemLocales: browserLocales(), harness: false })

  constructor(private readonly i18n: I18n) {
    this.apply(DEFAULT_SETTINGS)
  }

  async load(): Promise<void> {
    const [info, settings] = await Promise.all([api.app.info(), api.settings.get()])
    this.info = info
    this.apply(settings)
  }

  subscribe(): () => void {
    return on('settings', (s) => this.apply(s))
  }

  /** Applies at once (the UI switches language or theme immediately), then saves. */
  async update(patch: Partial<UiSettings>): Promise<void> {
    const before = this.settings
    this.apply({ ...before, ...patch })
    try {
      this.apply(await api.settings.update(patch))
    } catch (err) {
      this.apply(before)
      throw err
    }
  }

  private apply(settings: UiSettings): void {
    this.settings = settings
    // The OS's languages from main; Chromium's (navigator.languages) when main found none.
    const system = this.info.systemLocales.length > 0 ? this.info.systemLocales : browserLocales()
    const locale = resolveLocale(settings.language, system)
    this.i18n.setLocale(locale, system, settings.language !== 'system')
    applyDocument(locale, settings.theme)
  }
}

function browserLocales(): string[] {
  return typeof navigator !== 'undefined' && Array.isArray(navigator.languages) ? [...navigator.languages] : []
}

const KEY = Symbol('settings')
export const SETTINGS_KEY = KEY
export const setSettingsContext = (s: SettingsState): SettingsState => setContext(KEY, s)
export function getSettingsContext(): SettingsState {
  const s = getContext<SettingsState | undefined>(KEY)
  if (!s) throw new Error('SettingsState not found: render inside the App')
  return s
}
