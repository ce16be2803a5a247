import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { Lifecycle, SIGN_OUT_TIMEOUT_MS } from '../../../../src/main/app/lifecycle'
import type { DesktopSettings } from '../../../../src/shared/ipc/contract'
import { electron, MockBrowserWindow } from './electronMock'

const base: DesktopSettings = { closeToTray: true, startAtLogin: false, startHidden: false, notifications: true, notificationText: true, mutedChats: [] }

function setup(opts: { platform?: NodeJS.Platform; settings?: Partial<DesktopSettings>; tray?: boolean; signOut?: () => Promise<void> } = {}) {
  const settings = { ...base, ...opts.settings }
  const win = new MockBrowserWindow({})
  win.visible = true
  const signOutAll = vi.fn(opts.signOut ?? (async () => undefined))
  const lifecycle = new Lifecycle({
    settings: () => settings,
    mainWindow: () => win as never,
    signOutAll,
    hasTray: () => opts.tray ?? true,
    platform: opts.platform ?? 'linux'
  })
  win.on('close', lifecycle.onMainClose)
  return { lifecycle, win, signOutAll }
}

const event = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true } })

beforeEach(() => {
  electron.app.removeAllListeners()
  electron.app.quit.mockReset()
})
afterEach(() => vi.useRealTimers())

describe('closing the window', () => {
  it('hides it in the tray instead of closing, with close-to-tray on', () => {
    const { win } = setup()
    const e = win.close()
    expect(e.defaultPrevented).toBe(true)
    expect(win.hide).toHaveBeenCalled()
    expect(win.destroyed).toBe(false)
  })

  it('really closes with close-to-tray off, or without a tray', () => {
    for (const opts of [{ settings: { closeToTray: false } }, { tray: false }]) {
      const { win } = setup(opts)
      expect(win.close().defaultPrevented).toBe(false)
      expect(win.destroyed).toBe(true)
    }
  })

  it('leaves macOS its own behaviour (the app stays in the Dock)', () => {
    const { win } = setup({ platform: 'darwin' })
    expect(win.close().defaultPrevented).toBe(false)
  })

  it('quits when the last window closed and there is no tray to return to', () => {
    const { lifecycle } = setup({ settings: { closeToTray: false } })
    lifecycle.install()
    electron.app.emit('window-all-closed')
    expect(electron.app.quit).toHaveBeenCalledOnce()
  })
})

describe('quitting', () => {
  it('signs every account out before the app really quits', async () => {
    let finish: () => void = () => undefined
    const { lifecycle, win, signOutAll } = setup({ signOut: () => new Promise<void>((resolve) => (finish = resolve)) })
    lifecycle.install()
    // The tray's Quit: app.quit() emits before-quit, which waits for the sign-out.
    electron.app.quit.mockImplementation(() => void electron.app.emit('before-quit', event()))
    lifecycle.quit()
    expect(signOutAll).toHaveBeenCalledOnce()
    expect(electron.app.quit).toHaveBeenCalledOnce()
    // While signing out, closing the window closes it (no hiding in the tray).
    expect(lifecycle.isQuitting).toBe(true)
    expect(win.close().defaultPrevented).toBe(false)
    // A second quit request does not sign out twice.
    const again = event()
    electron.app.emit('before-quit', again)
    expect(again.defaultPrevented).toBe(true)
    expect(signOutAll).toHaveBeenCalledOnce()

    finish()
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalledTimes(2))
    // The second before-quit passes through.
    const last = event()
    electron.app.emit('before-quit', last)
    expect(last.defaultPrevented).toBe(false)
  })

  it('prevents the first quit until the sign-out is done', () => {
    const { lifecycle } = setup({ signOut: () => new Promise<void>(() => undefined) })
    lifecycle.install()
    const e = event()
    electron.app.emit('before-quit', e)
    expect(e.defaultPrevented).toBe(true)
    expect(electron.app.quit).not.toHaveBeenCalled()
  })

  it('quits anyway when a server does not answer the sign-out', async () => {
    vi.useFakeTimers()
    const { lifecycle } = setup({ signOut: () => new Promise<void>(() => undefined) })
    lifecycle.install()
    electron.app.emit('before-quit', event())
    await vi.advanceTimersByTimeAsync(SIGN_OUT_TIMEOUT_MS)
    expect(electron.app.quit).toHaveBeenCalledOnce()
  })

  it('quits even when the sign-out fails', async () => {
    const { lifecycle } = setup({ signOut: async () => Promise.reject(new Error('socket gone')) })
    lifecycle.install()
    electron.app.emit('before-quit', event())
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalledOnce())
  })
})

describe('starting hidden', () => {
  it('stays in the tray only when started at login with "start hidden" on, or with --hidden', () => {
    expect(setup({ settings: { startHidden: true } }).lifecycle.startHidden([], true)).toBe(true)
    expect(setup({ settings: { startHidden: true } }).lifecycle.startHidden([], false)).toBe(false)
    expect(setup({ settings: { startHidden: false } }).lifecycle.startHidden([], true)).toBe(false)
    expect(setup().lifecycle.startHidden(['--hidden'], false)).toBe(true)
  })

  it('never hides without a tray to come back from', () => {
    expect(setup({ tray: false, settings: { startHidden: true } }).lifecycle.startHidden(['--hidden'], true)).toBe(false)
  })
})
