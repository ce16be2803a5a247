// The composition root, started as Electron would start it (with electron mocked): what it sets
// up before and after `ready`, that links and notification clicks reach a re-created window, that
// the tray's status applies to every enabled account, and that quitting signs every account out
// before the app ends. Two accounts sign in to scripted fake servers on loopback; a third is off.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { createSecretStore } from '../../../../src/main/platform/secretStore'
import { API_METHODS, eventChannel, invokeChannel, SUBSCRIBE_CHANNEL, type AccountView } from '../../../../src/shared/ipc/contract'
import { asAccountId } from '../../../../src/shared/model/ids'
import { startFakeServer, type FakeServer } from '../../../helpers/fakeServer'
import { loginPeer, type ServerSession } from '../core/robustness/script'
import { electron, MockBrowserWindow, MockNotification, MockTray } from './electronMock'

const ALICE = asAccountId('4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01')
const BOB = asAccountId('9b2f6c11-0d4e-4f7a-8c3b-6a1d2e3f4a5b')
const OFF = asAccountId('0f5e7a9c-3b1d-4e6f-8a2c-5d7b9e1f3a4c')
const trusted = () => ({ senderFrame: { url: `file://${join(import.meta.dirname, '../../../../src/renderer/index.html')}`, parent: null } })
const call = async (ns: string, method: string, ...args: unknown[]) => electron.ipcMain.handlers.get(invokeChannel(ns, method))?.(trusted(), ...args)

let profile: string
const servers: FakeServer[] = []
const sessions: ServerSession[] = []
beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'parley-main-'))
  electron.app.paths['userData'] = profile
  electron.app.paths['logs'] = join(profile, 'logs')
  servers.push(await startFakeServer(), await startFakeServer(), await startFakeServer())
  const [alice, bob, off] = servers as [FakeServer, FakeServer, FakeServer]
  const account = (id: string, jid: string, server: FakeServer, enabled = true) => ({
    id,
    jid,
    enabled,
    server: { host: '127.0.0.1', port: server.port, tls: 'starttls' },
    pinnedCertificate: server.fingerprint256.toLowerCase().replaceAll(':', '')
  })
  writeFileSync(
    join(profile, 'settings.json'),
    JSON.stringify({ accounts: [account(ALICE, 'alice@localhost', alice), account(BOB, 'bob@localhost', bob), account(OFF, 'off@localhost', off, false)] })
  )
  const secrets = createSecretStore({ cwd: profile }).port
  for (const id of [ALICE, BOB, OFF]) await secrets.setPassword(id, `pw-${id}`)
  process.argv.push('xmpp:juliet@capulet.lit?message;body=Hello')
  await import('../../../../src/main/index')
  await vi.waitFor(() => expect(MockBrowserWindow.all.length).toBeGreaterThan(0))
  sessions.push(await loginPeer(await alice.nextPeer()), await loginPeer(await bob.nextPeer(), { boundJid: 'bob@localhost/r' }))
  for (const session of sessions) await session.next((xml) => xml.startsWith('<presence'), 'initial presence')
}, 20_000)
afterAll(async () => {
  process.argv.pop()
  await Promise.all(servers.map((s) => s.close()))
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
    expect(await call('desktop', 'takeUri')).toEqual({ ok: true, value: { kind: 'compose', jid: 'juliet@capulet.lit', body: 'Hello' } })
  })

  it('a link arriving while the window is gone re-creates it and waits for its page', async () => {
    const old = MockBrowserWindow.all[0] as MockBrowserWindow
    old.destroyed = true
    old.emit('closed')
    const before = MockBrowserWindow.all.length
    electron.app.emit('open-url', { preventDefault: () => undefined }, 'xmpp:romeo@montague.net')
    expect(MockBrowserWindow.all).toHaveLength(before + 1)
    expect(await call('desktop', 'takeUri')).toEqual({ ok: true, value: { kind: 'open-chat', jid: 'romeo@montague.net' } })
  })

  it('a notification clicked while the window is gone shows its chat in the re-created window, once its page listens', async () => {
    const old = MockBrowserWindow.all.at(-1) as MockBrowserWindow
    old.destroyed = true
    old.emit('closed')
    await sessions[0]?.write(`<message from='carol@localhost/x' to='alice@localhost/r' type='chat' id='n1'><body>hi</body></message>`)
    // Just after signing in news is summarised: one chat, so the summary opens it.
    await vi.waitFor(() => expect(MockNotification.shown).toHaveLength(1), { timeout: 8000 })
    const before = MockBrowserWindow.all.length
    MockNotification.shown[0]?.emit('click')
    const win = MockBrowserWindow.all.at(-1) as MockBrowserWindow
    expect(MockBrowserWindow.all).toHaveLength(before + 1)
    electron.ipcMain.emit(SUBSCRIBE_CHANNEL, { ...trusted(), sender: win.webContents }, 'focusChat')
    expect(win.webContents.send).not.toHaveBeenCalled()
    expect(await call('desktop', 'takeUri')).toEqual({ ok: true, value: null })
    expect(win.webContents.send).toHaveBeenCalledWith(eventChannel('focusChat'), { account: ALICE, peer: 'carol@localhost' })
  }, 15_000)

  it('the tray sets a status on every enabled account, and leaves a disabled one off', async () => {
    const away = MockTray.all[0]?.menu.find((i) => i.id === 'status')?.submenu?.find((i) => i.id === 'status-away')
    away?.click?.(away)
    for (const session of sessions) {
      const presence = await session.next((xml) => xml.startsWith('<presence') && xml.includes('<show>away</show>'), 'the away presence')
      expect(presence).toContain('<show>away</show>')
    }
    // The disabled account is not signed in by it.
    await expect(servers[2]?.nextPeer(1000)).rejects.toThrow()
    const list = (await call('accounts', 'list')) as { ok: true; value: AccountView[] }
    const shows = Object.fromEntries(list.value.map((a) => [a.id, [a.presence.show, a.state.state]]))
    expect(shows).toEqual({ [ALICE]: ['away', 'online'], [BOB]: ['away', 'online'], [OFF]: ['available', 'disabled'] })
  })

  it('does not register as the xmpp: handler or a login item when not installed', () => {
    expect(electron.app.setAsDefaultProtocolClient).not.toHaveBeenCalled()
    expect(electron.app.setLoginItemSettings).not.toHaveBeenCalled()
  })

  it('quits from the tray only after signing every account out', async () => {
    // What each server had seen of its stream's end when the app was told to quit.
    const closedAtQuit: boolean[][] = []
    electron.app.quit.mockImplementation(() => {
      closedAtQuit.push(sessions.map((s) => s.received.some((r) => r.kind === 'end')))
      electron.app.emit('before-quit', { preventDefault: () => undefined })
    })
    MockTray.all[0]?.menu.find((i) => i.id === 'quit')?.click?.({})
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalledTimes(2))
    expect(closedAtQuit).toEqual([
      [false, false],
      [true, true]
    ])
  })
})
