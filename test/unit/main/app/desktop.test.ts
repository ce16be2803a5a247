import { describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { createDesktopPort } from '../../../../src/main/app/desktopApi'
import { FocusTracker } from '../../../../src/main/app/focus'
import { UriInbox, registerProtocolClient } from '../../../../src/main/app/protocol'
import type { ChatKey, DesktopSettings, SecretProtectionView } from '../../../../src/shared/ipc/contract'
import { asAccountId } from '../../../../src/shared/model/ids'
import { electron, MockBrowserWindow } from './electronMock'

const A = asAccountId('4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01')
const base: DesktopSettings = { closeToTray: true, startAtLogin: false, startHidden: false, notifications: true, notificationText: true, mutedChats: [] }

function setup() {
  let stored = structuredClone(base)
  const view: SecretProtectionView = { level: 'weak', weakAllowed: false, storing: false }
  const focus = { set: vi.fn() }
  const inbox = new UriInbox()
  const setStartAtLogin = vi.fn()
  const onChange = vi.fn()
  const port = createDesktopPort({
    settings: {
      get: () => structuredClone(stored),
      set: (patch) => (stored = { ...stored, ...patch })
    },
    secrets: { view: async () => view, allowWeak: vi.fn(async (allow: boolean) => ({ ...view, weakAllowed: allow, storing: allow })) },
    focus,
    inbox,
    setStartAtLogin,
    onChange
  })
  const events: [string, unknown][] = []
  port.connect((event, payload) => void events.push([event, payload]))
  return { port, focus, inbox, setStartAtLogin, onChange, events, stored: () => stored }
}

describe('desktop API', () => {
  it('updates settings, tells the windows and the tray', async () => {
    const t = setup()
    const next = await t.port.api.update({ notifications: false })
    expect(next.notifications).toBe(false)
    expect(t.events).toEqual([['desktop.settings', next]])
    expect(t.onChange).toHaveBeenCalledWith(expect.objectContaining({ notifications: false }))
    expect(t.setStartAtLogin).not.toHaveBeenCalled()
  })

  it('registers the login item only when start-at-login changes', async () => {
    const t = setup()
    await t.port.api.update({ startAtLogin: true })
    await t.port.api.update({ startAtLogin: true, startHidden: true })
    await t.port.api.update({ startAtLogin: false })
    expect(t.setStartAtLogin.mock.calls).toEqual([[true], [false]])
  })

  it('mutes and unmutes a chat, by its canonical bare JID', async () => {
    const t = setup()
    await t.port.api.muteChat(A, 'Juliet@Capulet.LIT/balcony', true)
    await t.port.api.muteChat(A, 'juliet@capulet.lit', true)
    expect(t.stored().mutedChats).toEqual([{ account: A, peer: 'juliet@capulet.lit' }])
    const after = await t.port.api.muteChat(A, 'juliet@capulet.lit', false)
    expect(after.mutedChats).toEqual([])
  })

  it('passes the focused chat on, normalised', async () => {
    const t = setup()
    await t.port.api.setFocusedChat({ account: A, peer: 'Juliet@capulet.lit' })
    await t.port.api.setFocusedChat(null)
    expect(t.focus.set.mock.calls).toEqual([[{ account: A, peer: 'juliet@capulet.lit' }], [null]])
  })

  it('reports the secret protection and records the user’s choice', async () => {
    const t = setup()
    expect(await t.port.api.secretProtection()).toEqual({ level: 'weak', weakAllowed: false, storing: false })
    expect(await t.port.api.allowWeakSecrets(true)).toEqual({ level: 'weak', weakAllowed: true, storing: true })
  })
})

describe('xmpp: links reaching Parley', () => {
  it('keeps a link that came before the window was ready until the window takes it', async () => {
    const t = setup()
    t.inbox.receiveArgv(['/usr/bin/parley', '--no-sandbox', 'xmpp:juliet@capulet.lit?message;body=Hi'])
    expect(t.events).toEqual([])
    expect(await t.port.api.takeUri()).toEqual({ kind: 'compose', jid: 'juliet@capulet.lit', body: 'Hi' })
    expect(await t.port.api.takeUri()).toBeNull()
  })

  it('after that, sends links as events (hostile ones as refusals) and brings Parley forward', async () => {
    const bringForward = vi.fn()
    const inbox = new UriInbox(bringForward)
    const events: unknown[] = []
    inbox.connect((a) => void events.push(a))
    expect(inbox.take()).toBeNull()
    inbox.receive('xmpp:romeo@montague.net?roster;name=Romeo')
    inbox.receive('xmpp:romeo@montague.net?remove')
    inbox.receiveArgv(['parley', '--autostarted'])
    expect(events).toEqual([
      { kind: 'add-contact', jid: 'romeo@montague.net', name: 'Romeo', group: '' },
      { kind: 'refused', reason: 'unsupported-action' }
    ])
    expect(bringForward).toHaveBeenCalledTimes(2)
  })

  it('a link arriving after the window’s page is gone (Parley in the tray) waits for the next page', () => {
    const bringForward = vi.fn()
    const inbox = new UriInbox(bringForward)
    const events: unknown[] = []
    inbox.connect((a) => void events.push(a))
    expect(inbox.take()).toBeNull()
    inbox.windowGone()
    inbox.receive('xmpp:romeo@montague.net')
    expect(bringForward).toHaveBeenCalledOnce()
    expect(events).toEqual([])
    expect(inbox.take()).toEqual({ kind: 'open-chat', jid: 'romeo@montague.net' })
    inbox.receive('xmpp:juliet@capulet.lit')
    expect(events).toEqual([{ kind: 'open-chat', jid: 'juliet@capulet.lit' }])
  })

  it('other deliveries to the page (a notification’s chat) wait for it too; the latest wins', () => {
    const inbox = new UriInbox()
    const delivered: string[] = []
    inbox.whenReady(() => delivered.push('first'))
    inbox.whenReady(() => delivered.push('second'))
    expect(delivered).toEqual([])
    inbox.take()
    expect(delivered).toEqual(['second'])
    inbox.whenReady(() => delivered.push('now'))
    expect(delivered).toEqual(['second', 'now'])
    inbox.windowGone()
    inbox.whenReady(() => delivered.push('later'))
    expect(delivered).toEqual(['second', 'now'])
    inbox.take()
    inbox.take()
    expect(delivered).toEqual(['second', 'now', 'later'])
  })

  it('registers as the xmpp: handler only when installed', () => {
    electron.app.isPackaged = false
    expect(registerProtocolClient()).toBe(false)
    expect(electron.app.setAsDefaultProtocolClient).not.toHaveBeenCalled()
    electron.app.isPackaged = true
    expect(registerProtocolClient()).toBe(true)
    expect(electron.app.setAsDefaultProtocolClient).toHaveBeenCalledWith('xmpp')
    electron.app.isPackaged = false
  })
})

describe('FocusTracker', () => {
  const chat: ChatKey = { account: A, peer: 'juliet@capulet.lit' }
  const looking = (win: MockBrowserWindow) => Object.assign(win, { visible: true, focused: true, minimized: false })

  it('the reported chat is on screen only while the main window is visible and focused', () => {
    const main = looking(new MockBrowserWindow({}))
    const focus = new FocusTracker({ main: main as never, chatWindow: () => null })
    expect(focus.isChatOnScreen(A, chat.peer)).toBe(false)
    focus.set(chat)
    expect(focus.isChatOnScreen(A, chat.peer)).toBe(true)
    expect(focus.isChatOnScreen(A, 'nurse@capulet.lit')).toBe(false)
    main.focused = false
    expect(focus.isChatOnScreen(A, chat.peer)).toBe(false)
    main.focused = true
    main.minimized = true
    expect(focus.isChatOnScreen(A, chat.peer)).toBe(false)
    main.minimized = false
    main.visible = false
    expect(focus.isChatOnScreen(A, chat.peer)).toBe(false)
  })

  it('a focused popped-out chat window counts by itself', () => {
    const popped = looking(new MockBrowserWindow({}))
    const focus = new FocusTracker({ main: null, chatWindow: (a, p) => (a === A && p === chat.peer ? (popped as never) : null) })
    expect(focus.isChatOnScreen(A, chat.peer)).toBe(true)
    popped.destroyed = true
    expect(focus.isChatOnScreen(A, chat.peer)).toBe(false)
  })
})
