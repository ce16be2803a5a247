// `npm run dist:check`: packages Parley for Linux (`--linux dir`) with a stand-in for Electron,
// offline, then checks what would ship: the app.asar holds the built app and the production
// node_modules, and nothing of the sources, tests, scripts or devDependencies; the tray icons are
// beside it; the fuses were flipped. Run after `electron-vite build` (the npm script does both).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import asar from '@electron/asar'
import { checkFuses } from './fuses'
import { createStandInElectron } from './standInElectron'

const root = resolve(import.meta.dirname, '../..')
const t0 = performance.now()
const problems: string[] = []
const fail = (p: string): void => void problems.push(p)

interface LockPackage {
  dev?: boolean
  optional?: boolean
  devOptional?: boolean
}

const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> }
const electronVersion = (JSON.parse(await readFile(join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version

for (const built of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
  if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run electron-vite build first`)
}

const standIn = await createStandInElectron(await mkdtemp(join(tmpdir(), 'parley-electron-')), electronVersion)
const output = join(root, 'dist', 'check')
await rm(output, { recursive: true, force: true })

const builder = join(root, 'node_modules', '.bin', 'electron-builder')
const args = ['--linux', 'dir', '--publish', 'never', `-c.electronDist=${standIn}`, `-c.directories.output=${output}`]
const code = await new Promise<number>((done) => {
  const child = spawn(builder, args, { cwd: root, stdio: 'inherit', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } })
  child.on('exit', (c) => done(c ?? 1))
})
await rm(standIn, { recursive: true, force: true })
if (code !== 0) throw new Error(`electron-builder exited with ${code}`)
const packaged = performance.now()

const unpacked = join(output, 'linux-unpacked')
const archive = join(unpacked, 'resources', 'app.asar')
const entries = new Set(asar.listPackage(archive, { isPack: false }).map((e) => e.replaceAll('\\', '/')))

// What must be inside.
const required = ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/package.json']
for (const name of Object.keys(pkg.dependencies)) required.push(`/node_modules/${name}/package.json`)
for (const entry of required) if (!entries.has(entry)) fail(`app.asar lacks ${entry}`)

// What must not: sources, tests, tooling, and every package only devDependencies need.
const forbidden = ['/src', '/test', '/scripts', '/.ci', '/.git', '/resources', '/dist', '/node_modules/.bin', '/electron.vite.config.ts', '/vitest.config.ts', '/eslint.config.js', '/tsconfig.json']
const devOnly = Object.entries(lock.packages).filter(([path, info]) => path.startsWith('node_modules/') && info.dev === true)
for (const [path] of devOnly) forbidden.push(`/${path}`)
const devFound = new Set<string>()
for (const entry of entries) {
  const hit = forbidden.find((f) => entry === f || entry.startsWith(`${f}/`))
  if (hit) devFound.add(hit)
  if (entry.endsWith('.map') && entry.startsWith('/out/')) fail(`app.asar ships a source map: ${entry}`)
}
for (const hit of devFound) fail(`app.asar contains ${hit}`)

const shipped = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as Record<string, unknown>
if (shipped['scripts']) fail('the packaged package.json still has scripts')
if (shipped['desktopName'] !== 'parley.desktop') fail('the packaged package.json lacks desktopName (Linux app id)')

for (const file of ['resources/tray/tray.png', 'resources/tray/tray-unread@2x.png', 'resources/tray/overlay-unread.png', 'resources/icon.png', 'parley']) {
  if (!existsSync(join(unpacked, file))) fail(`${file} is missing next to the app`)
}
for (const p of await checkFuses(join(unpacked, 'parley'))) fail(`fuse: ${p}`)

const modules = new Set([...entries].map((e) => /^\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(e)?.[1]).filter(Boolean))
console.log(`\napp.asar: ${entries.size} entries, ${modules.size} production packages (${Object.keys(pkg.dependencies).length} direct), ${devOnly.length} dev-only packages checked absent`)
console.log(`packaging ${((packaged - t0) / 1000).toFixed(1)} s, checks ${((performance.now() - packaged) / 1000).toFixed(1)} s, output ${output}`)
for (const p of problems) console.error(`✗ ${p}`)
console.log(problems.length === 0 ? 'dist:check: passed' : `dist:check: ${problems.length} problems`)
process.exit(problems.length === 0 ? 0 : 1)
