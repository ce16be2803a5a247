import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createUniqueFile, harmlessFileName, isRiskyName, safeFileName, splitExtension } from '../../../../../src/main/core/files/names'

describe('safeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\system32\\evil.dll', 'evil.dll'],
    ['/absolute/path/photo.jpg', 'photo.jpg'],
    ['dir/', 'file'],
    ['..', 'file'],
    ['.bashrc', 'bashrc'],
    ['...hidden.txt', 'hidden.txt'],
    ['', 'file'],
    ['   ', 'file'],
    // bidi override: "invoice‮fdp.exe" would show as "invoiceexe.pdf"
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['a\u2066b\u2069c\u200Fd\u061Ce.txt', 'abcde.txt'],
    ['zero\u200Bwidth\uFEFF.txt', 'zerowidth.txt'],
    ['line\nbreak\r\tand\u0000nul\u007F.txt', 'linebreakandnul.txt'],
    ['c1\u0085\u009Bcontrols.txt', 'c1controls.txt'],
    ['what?<is>:this"|*.txt', 'what__is__this___.txt'],
    ['trailing dots...', 'trailing dots'],
    ['trailing space.txt  ', 'trailing space.txt'],
    ['many    spaces.txt', 'many spaces.txt'],
    ['CON', '_CON'],
    ['con.txt', '_con.txt'],
    ['NUL.tar.gz', '_NUL.tar.gz'],
    ['LPT1', '_LPT1'],
    ['COM9.log', '_COM9.log'],
    ['conin$', '_conin$'],
    ['CONSOLE.txt', 'CONSOLE.txt'],
    ['Cafe\u0301.png', 'Café.png'], // NFC
    ['😀 party.gif', '😀 party.gif']
  ])('%j → %j', (input, expected) => {
    expect(safeFileName(input)).toBe(expected)
  })

  it('caps the length in UTF-8 bytes and keeps the extension', () => {
    const long = `${'é'.repeat(300)}.jpeg`
    const safe = safeFileName(long)
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(200)
    expect(safe.endsWith('.jpeg')).toBe(true)
    const emoji = safeFileName(`${'😀'.repeat(100)}.png`)
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(200)
    expect(emoji).toMatch(/^(😀)+\.png$/u) // no split surrogate pair
  })

  it('uses the fallback when nothing is left', () => {
    expect(safeFileName('\u202E\u202E', 'download')).toBe('download')
  })
})

describe('harmlessFileName', () => {
  it.each([
    ['setup.exe', 'setup.exe.download'],
    ['holiday.jpg.exe', 'holiday.jpg.exe.download'],
    ['SETUP.EXE', 'SETUP.EXE.download'],
    ['Screensaver.Scr', 'Screensaver.Scr.download'],
    ['setup.exe. . .', 'setup.exe.download'], // Windows drops trailing dots and spaces
    ['setup.exe\u200B', 'setup.exe.download'], // invisible characters go first
    ['invoice\u202Efdp.exe', 'invoicefdp.exe.download'],
    ['x.lnk', 'x.lnk.download'],
    ['x.url', 'x.url.download'],
    ['x.library-ms', 'x.library-ms.download'],
    ['x.searchConnector-ms', 'x.searchConnector-ms.download'],
    ['x.SettingContent-ms', 'x.SettingContent-ms.download'],
    ['x.desktop', 'x.desktop.download'],
    ['x.AppImage', 'x.AppImage.download'],
    ['x.application', 'x.application.download'],
    ['x.hta', 'x.hta.download'],
    ['x.jar', 'x.jar.download'],
    ['run.bat', 'run.bat.download'],
    ['run.cmd', 'run.cmd.download'],
    ['run.ps1', 'run.ps1.download'],
    ['run.vbs', 'run.vbs.download'],
    ['run.js', 'run.js.download'],
    ['run.jse', 'run.jse.download'],
    ['run.wsf', 'run.wsf.download'],
    ['setup.msi', 'setup.msi.download'],
    ['panel.cpl', 'panel.cpl.download'],
    ['keys.reg', 'keys.reg.download'],
    ['x.scf', 'x.scf.download'],
    ['x.com', 'x.com.download'],
    ['x.pif', 'x.pif.download'],
    ['x.command', 'x.command.download'],
    ['photo.jpg', 'photo.jpg'],
    ['report.pdf', 'report.pdf'],
    ['exe', 'exe'],
    ['archive.tar.gz', 'archive.tar.gz'],
    ['example.com.txt', 'example.com.txt'],
    ['notes.json', 'notes.json'],
    ['already.exe.download', 'already.exe.download']
  ])('%j → %j', (input, expected) => {
    expect(harmlessFileName(input)).toBe(expected)
  })

  it('keeps the suffix when the name is cut to length', () => {
    const name = harmlessFileName(`${'a'.repeat(250)}.exe`)
    expect(name.endsWith('.download')).toBe(true)
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200)
    expect(isRiskyName(name)).toBe(false)
  })

  it('isRiskyName ignores case and trailing dots and spaces', () => {
    expect(isRiskyName('a.ExE')).toBe(true)
    expect(isRiskyName('a.exe .')).toBe(true)
    expect(isRiskyName('a.exe.txt')).toBe(false)
  })
})

describe('splitExtension', () => {
  it('splits off a plausible extension only', () => {
    expect(splitExtension('a.tar.gz')).toEqual({ stem: 'a.tar', ext: '.gz' })
    expect(splitExtension('noext')).toEqual({ stem: 'noext', ext: '' })
    expect(splitExtension('v1.2 final')).toEqual({ stem: 'v1.2 final', ext: '' })
    expect(splitExtension('x.averyveryverylongextension')).toEqual({ stem: 'x.averyveryverylongextension', ext: '' })
  })
})

describe('createUniqueFile', () => {
  let dir = ''
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('never overwrites: adds (1), (2)… before the extension', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-names-'))
    await writeFile(path.join(dir, 'photo.jpg'), 'existing')
    const a = await createUniqueFile(dir, 'photo.jpg')
    const b = await createUniqueFile(dir, '../photo.jpg')
    await a.handle.close()
    await b.handle.close()
    expect(a.name).toBe('photo (1).jpg')
    expect(b.name).toBe('photo (2).jpg')
    expect((await readdir(dir)).sort()).toEqual(['photo (1).jpg', 'photo (2).jpg', 'photo.jpg'])
  })

  it('creates files concurrently without collisions', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-names-'))
    const made = await Promise.all(Array.from({ length: 20 }, () => createUniqueFile(dir, 'same.txt')))
    await Promise.all(made.map((m) => m.handle.close()))
    expect(new Set(made.map((m) => m.name)).size).toBe(20)
  })

  it('numbers a neutralised name before its harmless suffix', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-names-'))
    const a = await createUniqueFile(dir, harmlessFileName('setup.exe'))
    const b = await createUniqueFile(dir, harmlessFileName('setup.exe'))
    await a.handle.close()
    await b.handle.close()
    expect([a.name, b.name]).toEqual(['setup.exe.download', 'setup.exe (1).download'])
  })
})
