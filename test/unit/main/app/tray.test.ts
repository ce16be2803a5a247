import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { hasTrouble, TrayController, UnreadTotal, type TrayActions } from '../../../../src/main/app/tray'
import { shellStrings } from '../../../../src/main/app/strings'
import type { AccountView, ConversationView } from '../../../../src/shared/ipc/contract'
import { asAccountId } from '../../../../src/shared/model/ids'
import { electron, MockBrowserWindow, MockTray, type MenuItem } from './electronMock'

const A = asAccountId('4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01')
const B = asAccountId('9b2f6c11-0d4e-4f7a-8c3b-6a1d2e3f4a5b')

function setup(platform: NodeJS.Platform = 'linux', language: 'en' | 'zh-CN' = 'en') {
  const actions: TrayActions = { open: vi.fn(), setStatus: vi.fn(), setMuted: vi.fn(), quit: vi.fn() }
  const win = new MockBrowserWindow({})
  const tray = new TrayController({ iconDir: '/res/tray', actions, strings: () => shellStrings(language, []), window: () => win as never, platform })
  const native = MockTray.all.at(-1)
  if (!native) throw new Error('no tray')
  const item = (id: string): MenuItem => {
    const found = native.menu.flatMap((i) => [i, ...(i.submenu ?? [])]).find((i) => i.id === id)
    if (!found) throw new Error(`no menu item ${id}`)
    return found
  }
  return { tray, native, actions, win, item }
}

beforeEach(() => {
  MockTray.all.length = 0
  electron.app.setBadgeCount.mockClear()
})

describe('TrayController', () => {
  it('starts with the plain icon, a plain tooltip and the full menu', () => {
    const { native } = setup()
    expect(native.image).toEqual({ path: '/res/tray/tray.png' })
    expect(native.tooltip).toBe('Parley')
    expect(native.menu.map((i) => i.id ?? i.type)).toEqual(['open', 'separator', 'status', 'mute', 'separator', 'quit'])
    expect(native.menu.find((i) => i.id === 'status')?.submenu?.map((i) => i.label)).toEqual(['Available', 'Away', 'Do not disturb', 'Offline'])
  })

  it('shows unread messages: icon, count in the tooltip, app badge', () => {
    const { tray, native } = setup()
    tray.update({ unread: 3 })
    expect(native.image).toEqual({ path: '/res/tray/tray-unread.png' })
    expect(native.tooltip).toBe('Parley — 3 unread messages')
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(3)
    tray.update({ unread: 1 })
    expect(native.tooltip).toBe('Parley — 1 unread message')
    tray.update({ unread: 0 })
    expect(native.image).toEqual({ path: '/res/tray/tray.png' })
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(0)
  })

  it('shows connection trouble, which wins over unread in the picture', () => {
    const { tray, native } = setup()
    tray.update({ unread: 2, trouble: true })
    expect(native.image).toEqual({ path: '/res/tray/tray-trouble.png' })
    expect(native.tooltip).toBe('Parley — 2 unread messages — connection problem')
    tray.update({ trouble: false })
    expect(native.image).toEqual({ path: '/res/tray/tray-unread.png' })
  })

  it('uses the taskbar overlay on Windows instead of a badge', () => {
    const { tray, win } = setup('win32')
    tray.update({ unread: 5 })
    expect(win.setOverlayIcon).toHaveBeenLastCalledWith({ path: '/res/tray/overlay-unread.png' }, 'Parley — 5 unread messages')
    tray.update({ unread: 0 })
    expect(win.setOverlayIcon).toHaveBeenLastCalledWith(null, '')
    expect(electron.app.setBadgeCount).not.toHaveBeenCalled()
  })

  it('on Windows puts the overlay on the main window once it is shown, also a count set before it existed', () => {
    const actions: TrayActions = { open: vi.fn(), setStatus: vi.fn(), setMuted: vi.fn(), quit: vi.fn() }
    let win: MockBrowserWindow | null = null
    const tray = new TrayController({ iconDir: '/res/tray', actions, strings: () => shellStrings('en', []), window: () => win as never, platform: 'win32' })
    tray.update({ unread: 2 })
    win = new MockBrowserWindow({})
    tray.update({ unread: 2 })
    expect(win.setOverlayIcon).not.toHaveBeenCalled()
    tray.windowShown()
    expect(win.setOverlayIcon).toHaveBeenLastCalledWith({ path: '/res/tray/overlay-unread.png' }, 'Parley — 2 unread messages')
    // Hidden to the tray and shown again: the new taskbar button gets it again.
    win.setOverlayIcon.mockClear()
    tray.windowShown()
    expect(win.setOverlayIcon).toHaveBeenCalledOnce()
    expect(electron.app.setBadgeCount).not.toHaveBeenCalled()
  })

  it('elsewhere the app badge does not depend on a window', () => {
    const { tray } = setup('linux')
    tray.update({ unread: 2 })
    electron.app.setBadgeCount.mockClear()
    tray.windowShown()
    expect(electron.app.setBadgeCount).not.toHaveBeenCalled()
  })

  it('runs the menu actions', () => {
    const { item, actions, native } = setup()
    item('open').click?.(item('open'))
    expect(actions.open).toHaveBeenCalledOnce()
    for (const show of ['available', 'away', 'dnd', 'offline'] as const) item(`status-${show}`).click?.(item(`status-${show}`))
    expect(vi.mocked(actions.setStatus).mock.calls.map(([s]) => s)).toEqual(['available', 'away', 'dnd', 'offline'])
    // Electron flips a checkbox before calling click: the handler reads the new state.
    const mute = item('mute')
    expect(mute.checked).toBe(false)
    mute.click?.({ ...mute, checked: true })
    expect(actions.setMuted).toHaveBeenLastCalledWith(true)
    item('quit').click?.(item('quit'))
    expect(actions.quit).toHaveBeenCalledOnce()
    // Clicking the icon itself opens Parley (Windows, Linux).
    native.emit('click')
    expect(actions.open).toHaveBeenCalledTimes(2)
  })

  it('shows the mute state as a checked item', () => {
    const { tray, item } = setup()
    tray.update({ muted: true })
    expect(item('mute').checked).toBe(true)
  })

  it('rebuilds the menu only when something shown changed', () => {
    const { tray } = setup()
    const builds = electron.Menu.buildFromTemplate.mock.calls.length
    tray.update({ unread: 0, trouble: false })
    tray.update({})
    expect(electron.Menu.buildFromTemplate.mock.calls.length).toBe(builds)
    tray.update({ unread: 1 })
    expect(electron.Menu.buildFromTemplate.mock.calls.length).toBe(builds + 1)
  })

  it('speaks Chinese when the UI does', () => {
    const { tray, native } = setup('linux', 'zh-CN')
    tray.update({ unread: 4 })
    expect(native.tooltip).toBe('Parley — 4 条未读消息')
    expect(native.menu.find((i) => i.id === 'quit')?.label).toBe('退出 Parley')
  })

  it('clears the badge when destroyed', () => {
    const { tray, native } = setup()
    tray.update({ unread: 2 })
    tray.destroy()
    expect(native.destroyed).toBe(true)
    expect(electron.app.setBadgeCount).toHaveBeenLastCalledWith(0)
  })
})

const account = (id: typeof A, enabled: boolean, state: AccountView['state']): AccountView =>
  ({ id, jid: 'romeo@montague.net', enabled, server: null, pinnedCertificate: null, color: '#000000', state, presence: { show: 'available', status: '', priority: 0 } }) as AccountView

describe('hasTrouble', () => {
  it('is true only for enabled accounts that cannot connect or need the user', () => {
    const err = { code: 'not-authorized', detail: '' } as const
    expect(hasTrouble([account(A, true, { state: 'online', jid: 'x', resumed: false, since: 0 })])).toBe(false)
    expect(hasTrouble([account(A, true, { state: 'offline' })])).toBe(false)
    expect(hasTrouble([account(A, true, { state: 'disconnected', reason: null })])).toBe(false)
    expect(hasTrouble([account(A, false, { state: 'auth-failed', error: err })])).toBe(false)
    expect(hasTrouble([account(A, true, { state: 'auth-failed', error: err })])).toBe(true)
    expect(hasTrouble([account(A, true, { state: 'error', error: err })])).toBe(true)
    expect(hasTrouble([account(A, true, { state: 'reconnecting', at: 0, attempt: 2, reason: err })])).toBe(true)
    expect(hasTrouble([account(A, true, { state: 'disconnected', reason: err })])).toBe(true)
  })
})

describe('UnreadTotal', () => {
  const conv = (acc: typeof A, peer: string, unread: number) => ({ account: acc, peer, unread }) as ConversationView
  it('sums the latest count of each conversation and drops removed accounts', () => {
    const total = new UnreadTotal()
    expect(total.conversations([conv(A, 'a@x.y', 2), conv(B, 'b@x.y', 3)])).toBe(5)
    expect(total.conversations([conv(A, 'a@x.y', 0)])).toBe(3)
    expect(total.accounts([account(A, true, { state: 'offline' })])).toBe(0)
  })

  it('drops a conversation that is no longer listed (a forgotten room)', () => {
    const total = new UnreadTotal()
    expect(total.conversations([conv(A, 'a@x.y', 2), conv(A, 'room@muc.x.y', 4)])).toBe(6)
    expect(total.conversations([], [{ account: A, peer: 'room@muc.x.y' }])).toBe(2)
  })
})
