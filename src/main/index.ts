import { join } from 'node:path'
import { app, session, shell } from 'electron'
import { createApi } from './core/api/createApi'
import { createCore } from './core/createCore'
import { hardenApp, hardenSession } from './app/security'
import { Windows } from './app/windows'
import { registerApi } from './ipc/registerApi'
import { createFileLogger } from './platform/logger'
import { createSecretStore } from './platform/secretStore'
import { createSettingsStore } from './platform/settingsStore'

// Composition root: wires the Electron-free core to Electron's pieces. No logic of its own.

const here = import.meta.dirname
const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  const openExternal = (url: string): void => void shell.openExternal(url)
  hardenApp(openExternal)
  let quitting = false

  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession)
    const settings = createSettingsStore()
    const secrets = createSecretStore()
    const log = createFileLogger(join(app.getPath('logs'), 'parley.log'))
    const core = createCore({ settings: settings.accounts, secrets: secrets.port, log, version: app.getVersion(), lang: app.getLocale() })
    const windows = new Windows({
      preload: join(here, '../preload/index.cjs'),
      rendererIndex: join(here, '../renderer/index.html'),
      devUrl,
      onMainClose: (event) => {
        if (!quitting && settings.desktop.get().closeToTray && process.platform !== 'darwin') {
          // Keeps running; the tray brings it back.
          event.preventDefault()
          windows.main?.hide()
        }
      }
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
          windows.openChat(account, peer)
        }
      },
      ui: settings.ui
    })
    registerApi(service, windows.isTrustedFrame)
    app.on('second-instance', () => windows.focus(windows.openMain()))
    app.on('activate', () => windows.focus(windows.openMain()))
    app.on('before-quit', (event) => {
      if (quitting) return
      quitting = true
      event.preventDefault()
      // Sign every account out cleanly, then really quit.
      void core.accounts.stopAll().finally(() => app.quit())
    })
    windows.openMain(!settings.desktop.get().startHidden)
    await core.accounts.start()
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}
