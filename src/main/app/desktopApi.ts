import { bareOf } from '../../shared/jid'
import type { ChatKey, DesktopSettings, DesktopSettingsPatch, SecretProtectionView } from '../../shared/ipc/contract'
import type { DesktopEmit, DesktopPort } from '../core/api/createApi'
import type { FocusTracker } from './focus'
import type { UriInbox } from './protocol'

export interface DesktopApiDeps {
  settings: {
    get(): DesktopSettings
    set(patch: DesktopSettingsPatch | { mutedChats: ChatKey[] }): DesktopSettings
  }
  secrets: {
    view(): Promise<SecretProtectionView>
    allowWeak(allow: boolean): Promise<SecretProtectionView>
  }
  focus: Pick<FocusTracker, 'set'>
  inbox: Pick<UriInbox, 'take' | 'connect'>
  /** Registers or removes the login item when `startAtLogin` changes. */
  setStartAtLogin: (enabled: boolean) => void
  /** Told after every change (the tray shows the mute state). */
  onChange?: (settings: DesktopSettings) => void
}

/**
 * The `desktop` namespace of the API, implemented by the shell: settings of the installed app,
 * the secret-storage choice, which chat is on screen, and xmpp: links waiting for the window.
 */
export function createDesktopPort(deps: DesktopApiDeps): DesktopPort {
  let emit: DesktopEmit = () => undefined
  const changed = (next: DesktopSettings): DesktopSettings => {
    deps.onChange?.(next)
    emit('desktop.settings', structuredClone(next))
    return structuredClone(next)
  }
  return {
    connect(fn) {
      emit = fn
      deps.inbox.connect((action) => emit('desktop.uri', action))
    },
    api: {
      get: async () => deps.settings.get(),
      update: async (patch) => {
        const before = deps.settings.get()
        const next = deps.settings.set(patch)
        if (next.startAtLogin !== before.startAtLogin) deps.setStartAtLogin(next.startAtLogin)
        return changed(next)
      },
      muteChat: async (account, raw, muted) => {
        const peer = bareOf(raw) ?? raw
        const others = deps.settings.get().mutedChats.filter((c) => c.account !== account || c.peer !== peer)
        return changed(deps.settings.set({ mutedChats: muted ? [...others, { account, peer }] : others }))
      },
      setFocusedChat: async (chat) => deps.focus.set(chat ? { account: chat.account, peer: bareOf(chat.peer) ?? chat.peer } : null),
      secretProtection: () => deps.secrets.view(),
      allowWeakSecrets: (allow) => deps.secrets.allowWeak(allow),
      takeUri: async () => deps.inbox.take()
    }
  }
}
