import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('../app/electronMock')).electronModule())

import { AUTOSTART_FLAG, createAutostart, desktopEntry, quoteExecArgument } from '../../../../src/main/platform/autostart'
import { electron } from '../app/electronMock'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-autostart-'))
  electron.app.setLoginItemSettings.mockClear()
  electron.app.isPackaged = true
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
  electron.app.isPackaged = false
})

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry that starts the AppImage', () => {
    const autostart = createAutostart({ platform: 'linux', env: { APPIMAGE: '/home/me/Apps/Parley 0.1.0.AppImage' }, autostartDir: join(dir, 'autostart') })
    autostart.set(true)
    const entry = readFileSync(autostart.desktopFile, 'utf8')
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Parley\n')
    expect(entry).toContain(`Exec="/home/me/Apps/Parley 0.1.0.AppImage" ${AUTOSTART_FLAG}\n`)
    autostart.set(false)
    expect(existsSync(autostart.desktopFile)).toBe(false)
    autostart.set(false) // already gone: no error
  })

  it('Linux: defaults to $XDG_CONFIG_HOME/autostart and starts the installed binary', () => {
    const autostart = createAutostart({ platform: 'linux', env: { XDG_CONFIG_HOME: dir } })
    expect(autostart.desktopFile).toBe(join(dir, 'autostart', 'parley.desktop'))
    autostart.set(true)
    expect(readFileSync(autostart.desktopFile, 'utf8')).toContain(`Exec=${quoteExecArgument(process.execPath)} ${AUTOSTART_FLAG}`)
  })

  it('Windows and macOS: Electron login items (Windows passes the autostart flag)', () => {
    createAutostart({ platform: 'win32' }).set(true)
    expect(electron.app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: true, args: [AUTOSTART_FLAG] })
    createAutostart({ platform: 'darwin' }).set(false)
    expect(electron.app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false })
  })

  it('knows whether this run was started at login', () => {
    expect(createAutostart({ platform: 'linux' }).startedAtLogin(['/opt/Parley/parley', AUTOSTART_FLAG])).toBe(true)
    expect(createAutostart({ platform: 'linux' }).startedAtLogin(['/opt/Parley/parley'])).toBe(false)
    electron.app.getLoginItemSettings.mockReturnValueOnce({ openAtLogin: true, wasOpenedAtLogin: true })
    expect(createAutostart({ platform: 'darwin' }).startedAtLogin([])).toBe(true)
  })
})

describe('desktop entry quoting', () => {
  it.each([
    ['/usr/bin/parley', '/usr/bin/parley'],
    ['/opt/My Apps/parley', '"/opt/My Apps/parley"'],
    ['/tmp/a"b$c`d', '"/tmp/a\\"b\\$c\\`d"'],
    ['/tmp/back\\slash', '"/tmp/back\\\\\\\\slash"'],
    ['/tmp/100%', '"/tmp/100%%"']
  ])('%s → %s', (arg, quoted) => {
    expect(quoteExecArgument(arg)).toBe(quoted)
  })

  it('refuses line breaks, which would add keys to the entry', () => {
    expect(() => quoteExecArgument('/tmp/x\nExec=evil')).toThrow()
    expect(() => desktopEntry(['/tmp/x\rHidden=true'])).toThrow()
  })
})
