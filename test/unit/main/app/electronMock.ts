// A stand-in for the `electron` module in plain Node (the real one would try to download Electron).
// Test files hook it up with
//   vi.mock('electron', async () => (await import('../app/electronMock')).electronModule())
// and then inspect `electron` from this module: it is the same instance the code under test imports.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { vi } from 'vitest'

/** An EventEmitter whose `on`/`once` can be asserted on and whose events a test can emit. */
class Emitter extends EventEmitter {
  constructor() {
    super()
    this.setMaxListeners(0)
  }
}

export class MockWebContents extends Emitter {
  destroyed = false
  url = ''
  readonly send = vi.fn()
  readonly reload = vi.fn()
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null
  isDestroyed = (): boolean => this.destroyed
  getURL = (): string => this.url
  setWindowOpenHandler = (fn: (details: { url: string }) => { action: string }): void => {
    this.windowOpenHandler = fn
  }
}

export class MockBrowserWindow extends Emitter {
  static readonly all: MockBrowserWindow[] = []
  readonly webContents = new MockWebContents()
  visible = false
  minimized = false
  focused = false
  destroyed = false
  loaded: { file?: string; url?: string; options?: unknown } = {}
  readonly setOverlayIcon = vi.fn()

  constructor(readonly options: Record<string, unknown>) {
    super()
    MockBrowserWindow.all.push(this)
  }

  loadFile = (file: string, options?: unknown): Promise<void> => {
    this.loaded = { file, options }
    return Promise.resolve()
  }
  loadURL = (url: string): Promise<void> => {
    this.loaded = { url }
    return Promise.resolve()
  }
  isDestroyed = (): boolean => this.destroyed
  isVisible = (): boolean => this.visible
  isMinimized = (): boolean => this.minimized
  isFocused = (): boolean => this.focused
  show = vi.fn(() => {
    this.visible = true
  })
  hide = vi.fn(() => {
    this.visible = false
    this.focused = false
  })
  focus = vi.fn(() => {
    this.focused = true
  })
  restore = vi.fn(() => {
    this.minimized = false
  })
  close = vi.fn(() => {
    const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) }
    this.emit('close', event)
    if (!event.defaultPrevented) {
      this.destroyed = true
      this.emit('closed')
    }
    return event
  })
}

export class MockTray extends Emitter {
  static readonly all: MockTray[] = []
  image: unknown
  tooltip = ''
  menu: MenuItem[] = []
  destroyed = false

  constructor(image: unknown) {
    super()
    this.image = image
    MockTray.all.push(this)
  }

  setImage = (image: unknown): void => {
    this.image = image
  }
  setToolTip = (text: string): void => {
    this.tooltip = text
  }
  setContextMenu = (menu: { items: MenuItem[] }): void => {
    this.menu = menu.items
  }
  destroy = (): void => {
    this.destroyed = true
  }
}

export interface MenuItem {
  id?: string
  label?: string
  type?: string
  checked?: boolean
  submenu?: MenuItem[]
  click?: (item: MenuItem) => void
}

export class MockNotification extends Emitter {
  static readonly shown: MockNotification[] = []
  static supported = true
  static isSupported = (): boolean => MockNotification.supported
  closed = false

  constructor(readonly options: { title: string; body: string; icon?: string }) {
    super()
  }

  show = (): void => void MockNotification.shown.push(this)
  close = (): void => {
    this.closed = true
    this.emit('close')
  }
}

/**
 * safeStorage that really encrypts (AES-256-GCM, with a key only this mock holds), so tests can
 * prove that what reaches the disk is ciphertext. `backend` and `available` model the platform.
 */
function makeSafeStorage() {
  const key = randomBytes(32)
  const state = { available: true, backend: 'gnome_libsecret' as string }
  return {
    state,
    isAsyncEncryptionAvailable: async () => state.available,
    getSelectedStorageBackend: () => state.backend,
    encryptStringAsync: async (plain: string) => {
      if (!state.available) throw new Error('Encryption is not available')
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([Buffer.from('v11'), iv, cipher.getAuthTag(), body])
    },
    decryptStringAsync: async (blob: Buffer) => {
      if (blob.subarray(0, 3).toString() !== 'v11') throw new Error('not ours')
      const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(3, 15))
      decipher.setAuthTag(blob.subarray(15, 31))
      const result = Buffer.concat([decipher.update(blob.subarray(31)), decipher.final()]).toString('utf8')
      return { result, shouldReEncrypt: false }
    }
  }
}

function makeSession() {
  const s = {
    permissionRequest: null as null | ((contents: unknown, permission: string, callback: (ok: boolean) => void, details: { requestingUrl: string }) => void),
    permissionCheck: null as null | ((contents: unknown, permission: string, origin: string) => boolean),
    deviceHandler: null as null | (() => boolean),
    displayMedia: null as null | ((request: unknown, callback: (streams: unknown) => void) => void),
    headers: null as null | ((details: { responseHeaders?: Record<string, string[]> }, callback: (r: unknown) => void) => void),
    setPermissionRequestHandler: vi.fn((fn) => (s.permissionRequest = fn)),
    setPermissionCheckHandler: vi.fn((fn) => (s.permissionCheck = fn)),
    setDevicePermissionHandler: vi.fn((fn) => (s.deviceHandler = fn)),
    setDisplayMediaRequestHandler: vi.fn((fn) => (s.displayMedia = fn)),
    webRequest: { onHeadersReceived: vi.fn((fn) => (s.headers = fn)) }
  }
  return s
}

function makeElectron() {
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    paths: { userData: '/nonexistent/userData', logs: '/nonexistent/logs' } as Record<string, string>,
    getPath: vi.fn((name: string) => app.paths[name] ?? `/nonexistent/${name}`),
    getVersion: () => '0.1.0',
    getName: () => 'Parley',
    getAppPath: () => '/nonexistent/app',
    getLocale: () => 'en-US',
    getPreferredSystemLanguages: () => ['en-US'],
    enableSandbox: vi.fn(),
    quit: vi.fn(),
    exit: vi.fn(),
    setBadgeCount: vi.fn(() => true),
    setLoginItemSettings: vi.fn(),
    getLoginItemSettings: vi.fn(() => ({ openAtLogin: false, wasOpenedAtLogin: false })),
    setAsDefaultProtocolClient: vi.fn(() => true),
    isDefaultProtocolClient: vi.fn(() => false),
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: vi.fn(() => Promise.resolve()),
    setAppUserModelId: vi.fn()
  })
  const handlers = new Map<string, (...args: unknown[]) => unknown>()
  const ipcMain = Object.assign(new Emitter(), {
    handlers,
    handle: vi.fn((channel: string, fn: (...args: unknown[]) => unknown) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      handlers.set(channel, fn)
    }),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel))
  })
  const ipcRenderer = Object.assign(new Emitter(), {
    invoke: vi.fn(async (..._args: unknown[]) => ({ ok: true, value: null })),
    send: vi.fn()
  })
  const exposed = new Map<string, unknown>()
  const contextBridge = { exposeInMainWorld: vi.fn((key: string, value: unknown) => exposed.set(key, value)), exposed }
  const Menu = { buildFromTemplate: vi.fn((items: MenuItem[]) => ({ items })) }
  const nativeImage = { createFromPath: vi.fn((path: string) => ({ path })) }
  const shell = { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => '') }
  const session = { defaultSession: makeSession() }
  return {
    app,
    ipcMain,
    ipcRenderer,
    contextBridge,
    BrowserWindow: MockBrowserWindow,
    Tray: MockTray,
    Menu,
    nativeImage,
    Notification: MockNotification,
    safeStorage: makeSafeStorage(),
    shell,
    session,
    makeSession
  }
}

export const electron = makeElectron()

/** The module object for vi.mock: named exports plus the `default` that electron-store imports. */
export function electronModule() {
  return { ...electron, default: electron }
}
