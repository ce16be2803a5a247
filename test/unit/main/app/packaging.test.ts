// The packaging checks themselves (scripts/package): the Electron stand-in carries a fuse wire like
// Electron's, and the fuse check tells a flipped binary from a stock one. The full packaging run is
// `npm run dist:check` (electron-builder, several seconds); here only the parts it relies on.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fuses from '@electron/fuses'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkFuses, REQUIRED_FUSES } from '../../../../scripts/package/fuses'
import { createStandInElectron } from '../../../../scripts/package/standInElectron'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-standin-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('packaging checks', () => {
  it('the stand-in looks like an unpacked Electron and refuses to run', async () => {
    await createStandInElectron(dir, '45.5.0')
    expect(readFileSync(join(dir, 'version'), 'utf8')).toBe('45.5.0')
    expect(statSync(join(dir, 'electron')).mode & 0o111).not.toBe(0)
    expect(readFileSync(join(dir, 'electron'), 'latin1')).toMatch(/^#!\/bin\/sh\n.*\nexit 1\n/)
  })

  it('a stock wire fails the fuse check; after flipping as electron-builder.yml says, it passes', async () => {
    await createStandInElectron(dir, '45.5.0')
    const binary = join(dir, 'electron')
    expect(await checkFuses(binary)).toHaveLength(REQUIRED_FUSES.size)
    const config = Object.fromEntries(REQUIRED_FUSES)
    await fuses.flipFuses(binary, { version: fuses.FuseVersion.V1, ...config })
    expect(await checkFuses(binary)).toEqual([])
  })

  it('electron-builder.yml flips exactly the required fuses', () => {
    const yml = readFileSync(join(import.meta.dirname, '../../../../electron-builder.yml'), 'utf8')
    const block = /^electronFuses:\n((?: {2}.+\n)+)/m.exec(yml)?.[1] ?? ''
    const configured = Object.fromEntries(block.trim().split('\n').map((l) => l.trim().split(/:\s*/) as [string, string]))
    const names: Record<string, string> = {
      RunAsNode: 'runAsNode',
      EnableCookieEncryption: 'enableCookieEncryption',
      EnableNodeOptionsEnvironmentVariable: 'enableNodeOptionsEnvironmentVariable',
      EnableNodeCliInspectArguments: 'enableNodeCliInspectArguments',
      EnableEmbeddedAsarIntegrityValidation: 'enableEmbeddedAsarIntegrityValidation',
      OnlyLoadAppFromAsar: 'onlyLoadAppFromAsar'
    }
    const expected = Object.fromEntries([...REQUIRED_FUSES].map(([fuse, on]) => [names[fuses.FuseV1Options[fuse]], String(on)]))
    expect(configured).toEqual(expected)
  })
})
