// The Electron fuses a release build must have, and a check of a packaged binary against them.
// electron-builder flips them (`electronFuses` in electron-builder.yml) right before signing; this
// reads them back: `npx tsx scripts/package/fuses.ts dist/linux-unpacked/parley`.
import { resolve } from 'node:path'
import fuses from '@electron/fuses'

// @electron/fuses is CommonJS (electron-builder's dependency): its default export is the module.
const { FuseV1Options, getCurrentFuseWire } = fuses
type FuseV1Options = fuses.FuseV1Options
/** Wire bytes: '1' enabled, '0' disabled. */
const ENABLE = 0x31
const DISABLE = 0x30

/** Fuse → required state. Others (V8 snapshot, file:// privileges) keep Electron's default. */
export const REQUIRED_FUSES: ReadonlyMap<FuseV1Options, boolean> = new Map([
  [FuseV1Options.RunAsNode, false],
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable, false],
  [FuseV1Options.EnableNodeCliInspectArguments, false],
  [FuseV1Options.OnlyLoadAppFromAsar, true],
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation, true],
  [FuseV1Options.EnableCookieEncryption, true]
])

/** Problems with the binary's fuse wire; empty when every required fuse is set. */
export async function checkFuses(binary: string): Promise<string[]> {
  const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>
  const problems: string[] = []
  for (const [fuse, wanted] of REQUIRED_FUSES) {
    const state = wire[fuse]
    if (state !== (wanted ? ENABLE : DISABLE)) {
      problems.push(`${FuseV1Options[fuse]} should be ${wanted ? 'enabled' : 'disabled'} (wire byte ${String(state)})`)
    }
  }
  return problems
}

if (import.meta.url === `file://${resolve(process.argv[1] ?? '')}`) {
  const binary = process.argv[2]
  if (!binary) {
    console.error('usage: tsx scripts/package/fuses.ts <packaged Electron binary>')
    process.exit(2)
  }
  const problems = await checkFuses(binary)
  for (const p of problems) console.error(`fuse: ${p}`)
  console.log(problems.length === 0 ? `fuses: all ${REQUIRED_FUSES.size} required fuses set in ${binary}` : `fuses: ${problems.length} wrong`)
  process.exit(problems.length === 0 ? 0 : 1)
}
