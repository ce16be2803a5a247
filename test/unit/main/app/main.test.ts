// The composition root, started as Electron would start it (with electron mocked): what it sets
// up before and after `ready`, and that quitting signs out before the app ends.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { API_METHODS, invokeChannel } from '../../../../src/shared/ipc/contract'
import { electron, MockBrowserWindow, MockTray } from './electronMock'

let profile: string
beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'parley-main-'))
  electron.app.paths['userData'] = profile
  electron.app.paths['logs'] = join(profile, 'logs')
  process.argv.push('xmpp:juliet@capulet.lit?message;body=Hello')
  await import('../../../../src/main/index')
  await vi.waitFor(() => expect(MockBrowserWindow.all.length).toBeGreaterThan(0))
})
afterAll(() => {
  process.argv.pop()
  rmSync(profile, { recursive: true, force: true })
})

describe('main process start-up', () => {
  it('takes the single-instance lock and turns the sandbox on for every renderer', () => {
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalled()
    expect(electron.app.enableSandbox).toHaveBeenCalled()
  })

  it('opens the main window with the secure preferences and our preload', () => {
    const win = MockBrowserWindow.all[0]
    const prefs = win?.options['webPreferences'] as Record<string, unknown>
    expect(prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false })
    expect(String(prefs['preload'])).toMatch(/preload[/\\]index\.cjs$/)
    expect(win?.loaded.file).toMatch(/renderer[/\\]index\.html$/)
  })

  it('answers every method of the contract over IPC', () => {
    for (const [ns, methods] of Object.entries(API_METHODS)) for (const m of methods) expect(electron.ipcMain.handlers.has(invokeChannel(ns, m))).toBe(true)
  })

  it('keeps the history in an SQLite database in the profile, not in the settings file', () => {
    expect(existsSync(join(profile, 'history.sqlite'))).toBe(true)
  })

  it('hardens the session and puts up the tray', () => {
    expect(electron.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled()
    expect(MockTray.all).toHaveLength(1)
    expect(MockTray.all[0]?.menu.map((i) => i.id).filter(Boolean)).toEqual(['open', 'status', 'mute', 'quit'])
  })

  it('keeps the xmpp: link it was started with for the window, which must confirm it', async () => {
    const takeUri = electron.ipcMain.handlers.get(invokeChannel('desktop', 'takeUri'))
    const trusted = { senderFrame: { url: `file://${join(import.meta.dirname, '../../../../src/renderer/index.html')}`, parent: null } }
    expect(await takeUri?.(trusted)).toEqual({ ok: true, value: { kind: 'compose', jid: 'juliet@capulet.lit', body: 'Hello' } })
  })

  it('does not register as the xmpp: handler or a login item when not installed', () => {
    expect(electron.app.setAsDefaultProtocolClient).not.toHaveBeenCalled()
    expect(electron.app.setLoginItemSettings).not.toHaveBeenCalled()
  })

  it('quits from the tray only after signing out', async () => {
    electron.app.quit.mockImplementation(() => void electron.app.emit('before-quit', { preventDefault: () => undefined }))
    MockTray.all[0]?.menu.find((i) => i.id === 'quit')?.click?.({})
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalledTimes(2))
  })
})
