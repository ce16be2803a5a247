// Renders Parley's SVG icons (resources/icon.svg, resources/tray/*.svg) to the PNG sizes that
// Electron and electron-builder use, with the Chromium the system provides. Run after editing an
// SVG: `npx tsx scripts/package/icons.ts`; the PNGs are committed, so packaging needs no browser.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

const root = resolve(import.meta.dirname, '../../resources')
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

/** What to render: source SVG → [output path, pixel size]. */
async function jobs(): Promise<[string, [string, number][]][]> {
  const list: [string, [string, number][]][] = [
    [join(root, 'icon.svg'), [[join(root, 'icon.png'), 1024], ...[16, 24, 32, 48, 64, 128, 256, 512].map((n): [string, number] => [join(root, 'icons', `${n}x${n}.png`), n])]]
  ]
  for (const file of (await readdir(join(root, 'tray'))).filter((f) => f.endsWith('.svg'))) {
    const name = basename(file, '.svg')
    // 16 px plus @2x and @3x: nativeImage picks the one that matches the screen's scale factor.
    list.push([join(root, 'tray', file), [[join(root, 'tray', `${name}.png`), 16], [join(root, 'tray', `${name}@2x.png`), 32], [join(root, 'tray', `${name}@3x.png`), 48]]])
  }
  return list
}

const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] })
try {
  const page = await browser.newPage()
  await mkdir(join(root, 'icons'), { recursive: true })
  for (const [svgPath, outputs] of await jobs()) {
    const svg = await readFile(svgPath, 'utf8')
    for (const [out, size] of outputs) {
      await page.setViewportSize({ width: size, height: size })
      await page.setContent(`<html><body style="margin:0;background:transparent"><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body></html>`)
      await page.locator('img').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode())
      await writeFile(out, await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }))
      console.log(`${out.slice(root.length + 1)} ${size}×${size}`)
    }
  }
} finally {
  await browser.close()
}
