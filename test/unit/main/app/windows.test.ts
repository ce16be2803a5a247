import { pathToFileURL } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { securePreferences, Windows } from '../../../../src/main/app/windows'
import { asAccountId } from '../../../../src/shared/model/ids'
import { MockBrowserWindow } from './electronMock'

const INDEX = '/opt/Parley/resources/app.asar/out/renderer/index.html'
const PRELOAD = '/opt/Parley/resources/app.asar/out/preload/index.cjs'
const account = asAccountId('4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01')

/** The only acceptable webPreferences, exactly: anything added or relaxed must fail this test. */
const SECURE = {
  preload: PRELOAD,
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: true
}

const frame = (url: string, parent: unknown = null) => ({ url, parent }) as never

beforeEach(() => {
  MockBrowserWindow.all.length = 0
})

describe('Windows', () => {
  it('gives every window exactly the secure preferences', () => {
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX })
    windows.openMain()
    windows.openChat(account, 'juliet@capulet.lit')
    windows.openChat(account, 'nurse@capulet.lit')
    expect(MockBrowserWindow.all).toHaveLength(3)
    for (const win of MockBrowserWindow.all) {
      expect(win.options['webPreferences']).toStrictEqual(SECURE)
      // Shown only once painted, never with a blank white flash.
      expect(win.options['show']).toBe(false)
    }
    expect(securePreferences(PRELOAD)).toStrictEqual(SECURE)
  })

  it('loads our own file (with the chat in the hash) and nothing else', () => {
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX })
    windows.openMain()
    windows.openChat(account, 'juliet@capulet.lit')
    expect(MockBrowserWindow.all[0]?.loaded).toEqual({ file: INDEX, options: {} })
    expect(MockBrowserWindow.all[1]?.loaded).toEqual({ file: INDEX, options: { hash: `/chat/${account}/juliet%40capulet.lit` } })
  })

  it('reuses a conversation window and knows which one shows a chat', () => {
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX })
    const a = windows.openChat(account, 'juliet@capulet.lit')
    expect(windows.openChat(account, 'juliet@capulet.lit')).toBe(a)
    expect(windows.chatWindow(account, 'juliet@capulet.lit')).toBe(a)
    expect(windows.chatWindow(account, 'nurse@capulet.lit')).toBeNull()
  })

  it('starts hidden when asked, and shows once ready otherwise', () => {
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX })
    const hidden = windows.openMain(false) as unknown as MockBrowserWindow
    hidden.emit('ready-to-show')
    expect(hidden.visible).toBe(false)
    hidden.destroyed = true
    hidden.emit('closed')
    const shown = windows.openMain(true) as unknown as MockBrowserWindow
    shown.emit('ready-to-show')
    expect(shown.visible).toBe(true)
  })

  it('hands the main window close event to the lifecycle', () => {
    const onMainClose = vi.fn((event: { preventDefault(): void }) => event.preventDefault())
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX, onMainClose })
    const win = windows.openMain() as unknown as MockBrowserWindow
    const event = win.close()
    expect(onMainClose).toHaveBeenCalledOnce()
    expect(event.defaultPrevented).toBe(true)
  })

  it('says when the main window is shown (the taskbar overlay goes on it)', () => {
    const onMainShow = vi.fn()
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX, onMainShow })
    const win = windows.openMain() as unknown as MockBrowserWindow
    windows.openChat(account, 'juliet@capulet.lit').emit('show')
    expect(onMainShow).not.toHaveBeenCalled()
    win.emit('show')
    expect(onMainShow).toHaveBeenCalledOnce()
  })

  it('loads a crashed page again (main and chat windows), but not a page that keeps crashing or exited cleanly', () => {
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX })
    const win = windows.openMain() as unknown as MockBrowserWindow
    const chat = windows.openChat(account, 'juliet@capulet.lit') as unknown as MockBrowserWindow
    win.webContents.emit('render-process-gone', {}, { reason: 'crashed' })
    chat.webContents.emit('render-process-gone', {}, { reason: 'oom' })
    expect(win.webContents.reload).toHaveBeenCalledOnce()
    expect(chat.webContents.reload).toHaveBeenCalledOnce()
    win.webContents.emit('render-process-gone', {}, { reason: 'clean-exit' })
    for (let i = 0; i < 5; i++) win.webContents.emit('render-process-gone', {}, { reason: 'crashed' })
    expect(win.webContents.reload).toHaveBeenCalledTimes(3)
  })

  it('says when the main window’s page is gone: closed, crashed or reloaded; not for a hash change, a refused navigation or a replaced window', () => {
    const onMainGone = vi.fn()
    const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX, onMainGone })
    const win = windows.openMain() as unknown as MockBrowserWindow
    win.webContents.emit('did-navigate-in-page', {}, 'file:///index.html#/x', true)
    // A refused navigation starts but never commits: the page is still there.
    win.webContents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false })
    expect(onMainGone).not.toHaveBeenCalled()
    win.webContents.emit('did-navigate', {}, 'file:///index.html', 200, 'OK')
    win.webContents.emit('render-process-gone', {}, { reason: 'crashed' })
    expect(onMainGone).toHaveBeenCalledTimes(2)
    win.destroyed = true
    win.emit('closed')
    expect(onMainGone).toHaveBeenCalledTimes(3)
    expect(windows.main).toBeNull()
    // A chat window closing is not the main window's page.
    const chat = windows.openChat(account, 'juliet@capulet.lit') as unknown as MockBrowserWindow
    chat.destroyed = true
    chat.emit('closed')
    // The old window destroyed, a new one opened before its late `closed` arrives: the new one stays.
    const next = windows.openMain() as unknown as MockBrowserWindow
    next.destroyed = true
    const newest = windows.openMain() as unknown as MockBrowserWindow
    next.emit('closed')
    expect(onMainGone).toHaveBeenCalledTimes(3)
    expect(windows.main).toBe(newest)
  })
})

describe('isTrustedFrame / isOurUrl', () => {
  const windows = new Windows({ preload: PRELOAD, rendererIndex: INDEX })
  const ours = pathToFileURL(INDEX).href

  it('accepts only the top frame of our own file', () => {
    expect(windows.isTrustedFrame(frame(ours))).toBe(true)
    expect(windows.isTrustedFrame(frame(`${ours}#/chat/x/y`))).toBe(true)
    expect(windows.isTrustedFrame(frame(ours, frame(ours)))).toBe(false)
    expect(windows.isTrustedFrame(null)).toBe(false)
    expect(windows.isTrustedFrame(undefined)).toBe(false)
  })

  it.each([
    'file:///etc/passwd',
    'file:///opt/Parley/resources/app.asar/out/renderer/other.html',
    'file:///opt/Parley/resources/app.asar/out/renderer/../renderer/index.html/x',
    'file://evil.example/opt/Parley/resources/app.asar/out/renderer/index.html',
    'https://evil.example/',
    'http://localhost:5173/',
    'data:text/html,<script>1</script>',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    'not a url',
    ''
  ])('refuses %s', (url) => {
    expect(windows.isOurUrl(url)).toBe(false)
    expect(windows.isTrustedFrame(frame(url))).toBe(false)
  })

  it('in development trusts only the dev server origin', () => {
    const dev = new Windows({ preload: PRELOAD, rendererIndex: INDEX, devUrl: 'http://localhost:5173' })
    expect(dev.isOurUrl('http://localhost:5173/#/chat')).toBe(true)
    expect(dev.isOurUrl('http://localhost:5174/')).toBe(false)
    expect(dev.isOurUrl('http://127.0.0.1:5173/')).toBe(false)
    expect(dev.isOurUrl(ours)).toBe(false)
  })
})
