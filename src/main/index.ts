import { join } from 'node:path'
import { app, session, shell } from 'electron'
import { createApi } from './core/api/createApi'
import { createCore } from './core/createCore'
import { createDesktopPort } from './app/desktopApi'
import { FocusTracker } from './app/focus'
import { Lifecycle } from './app/lifecycle'
import { nativePresenter, Notifier } from './app/notifications'
import { registerProtocolClient, UriInbox } from './app/protocol'
import { hardenApp, hardenSession } from './app/security'
import { shellStrings } from './app/strings'
import { hasTrouble, TrayController, UnreadTotal, type TrayStatus } from './app/tray'
import { Windows } from './app/windows'
import { registerApi } from './ipc/registerApi'
import { createAutostart } from './platform/autostart'
import { openHistory } from './platform/history'
import { createFileLogger } from './platform/logger'
import { createSecretStore } from './platform/secretStore'
import { createSettingsStore } from './platform/settingsStore'

// Composition root: wires the Electron-free core to Electron's pieces. No logic of its own.

const here = import.meta.dirname
const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
// Tray pictures and the window icon: beside the asar when installed, in the repository otherwise.
const resourcesDir = app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources')

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  const openExternal = (url: string): void => void shell.openExternal(url)
  hardenApp(openExternal)
  if (process.platform === 'win32') app.setAppUserModelId('chat.parley.desktop')

  let windows: Windows | null = null
  const showMain = (): void => {
    if (windows) windows.focus(windows.openMain())
  }
  // xmpp: links: on our command line, from a second start, or (macOS) as open-url, maybe before ready.
  const inbox = new UriInbox(showMain)
  app.on('open-url', (event, url) => {
    event.preventDefault()
    inbox.receive(url)
  })
  app.on('second-instance', (_event, argv) => {
    showMain()
    inbox.receiveArgv(argv)
  })
  inbox.receiveArgv(process.argv)

  void app.whenReady().then(async () => {
    const log = createFileLogger(join(app.getPath('logs'), 'parley.log'))
    const settings = createSettingsStore({ onRepair: (what) => log.warn(what) })
    const secrets = createSecretStore()
    const autostart = createAutostart()
    const core = createCore({
      settings: settings.accounts,
      secrets: secrets.port,
      log,
      version: app.getVersion(),
      lang: app.getLocale(),
      // History in SQLite (node:sqlite, WAL) in the profile; never in the settings file.
      store: openHistory(join(app.getPath('userData'), 'history.sqlite'), log),
      avatarDir: join(app.getPath('userData'), 'avatars'),
      downloadsDir: app.getPath('downloads')
    })
    const strings = () => shellStrings(settings.ui.get().language, app.getPreferredSystemLanguages())

    let tray: TrayController | null = null
    const lifecycle = new Lifecycle({
      settings: settings.desktop.get,
      mainWindow: () => windows?.main ?? null,
      // Sign every account out cleanly, then close the history (its WAL checkpointed).
      signOutAll: () =>
        core.accounts.stopAll().finally(() => {
          core.conversations.dispose()
          core.store.close()
        }),
      hasTray: () => tray !== null
    })
    lifecycle.install()
    const wins = new Windows({
      preload: join(here, '../preload/index.cjs'),
      rendererIndex: join(here, '../renderer/index.html'),
      devUrl,
      icon: join(resourcesDir, 'icon.png'),
      onMainClose: lifecycle.onMainClose,
      // Links and a notification's chat wait for the next page when this one is gone.
      onMainGone: () => inbox.windowGone(),
      // Windows: the unread overlay goes on the taskbar button, which exists only while shown.
      onMainShow: () => tray?.windowShown()
    })
    windows = wins
    hardenSession(session.defaultSession, (url) => wins.isOurUrl(url))
    const focus = new FocusTracker(wins)

    const desktop = createDesktopPort({
      settings: settings.desktop,
      secrets,
      focus,
      inbox,
      // A development build must not put itself into the user's login items.
      setStartAtLogin: (enabled) => app.isPackaged && autostart.set(enabled),
      onChange: (next) => tray?.update({ muted: !next.notifications })
    })
    const service = createApi(core, {
      app: {
        info: () => ({
          name: app.getName(),
          version: app.getVersion(),
          platform: process.platform,
          systemLocales: app.getPreferredSystemLanguages(),
          harness: false
        }),
        openExternal: async (url) => shell.openExternal(url),
        openChatWindow: async (account, peer) => {
          wins.openChat(account, peer)
        }
      },
      ui: settings.ui,
      desktop
    })
    registerApi(service, wins.isTrustedFrame)

    const setStatus = async (show: TrayStatus): Promise<void> => {
      for (const a of await service.api.accounts.list()) {
        if (a.enabled) await service.api.accounts.setPresence(a.id, { ...a.presence, show }).catch(() => undefined)
      }
    }
    try {
      tray = new TrayController({
        iconDir: join(resourcesDir, 'tray'),
        strings,
        window: () => wins.main,
        actions: {
          open: showMain,
          setStatus: (show) => void setStatus(show),
          setMuted: (muted) => void desktop.api.update({ notifications: !muted }),
          quit: () => lifecycle.quit()
        }
      })
      tray.update({ muted: !settings.desktop.get().notifications })
    } catch (err) {
      // No status area (some Linux desktops): Parley then simply quits when its window closes.
      log.warn('no tray icon', { err: String(err) })
    }
    const unread = new UnreadTotal()
    // The count survives restarts (it lives in the store): start from it, then follow the changes.
    tray?.update({ unread: unread.conversations(core.conversations.list()) })
    service.on('conversations', ({ upsert, remove }) => tray?.update({ unread: unread.conversations(upsert, remove) }))
    service.on('accounts', (list) => tray?.update({ trouble: hasTrouble(list), unread: unread.accounts(list) }))
    service.on('settings', () => tray?.refresh())

    new Notifier({
      // A click may have to re-create the window: its page is told once it listens.
      service: { on: service.on, focusChat: (account, peer) => inbox.whenReady(() => service.focusChat(account, peer)) },
      settings: settings.desktop.get,
      isChatOnScreen: focus.isChatOnScreen,
      nameOf: (account, jid) => service.conversations.nameOf(account, jid),
      focusWindow: showMain,
      strings,
      present: nativePresenter(process.platform === 'linux' ? join(resourcesDir, 'icon.png') : undefined)
    })

    app.on('activate', showMain)
    registerProtocolClient()
    if (app.isPackaged) autostart.set(settings.desktop.get().startAtLogin)
    wins.openMain(!lifecycle.startHidden(process.argv, autostart.startedAtLogin(process.argv)))
    await core.accounts.start()
  })
}
