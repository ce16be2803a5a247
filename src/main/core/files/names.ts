import { randomBytes } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import path from 'node:path'

/** Leaves room for " (999)" and ".part" under the 255-byte limit of common file systems. */
const MAX_NAME_BYTES = 200
const MAX_EXT_CHARS = 16

// Controls, format characters (bidi overrides and isolates, zero-width, BOM), private use, lone
// surrogates, line and paragraph separators: invisible or able to reorder what the user reads, as in
// "invoice\u202Efdp.exe" shown as "invoiceexe.pdf".
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/gu
// Reserved on Windows (and ':' on macOS Finder); '/' and '\\' are separators everywhere we run.
const RESERVED_CHARS = /[<>:"|?*]/g
// DOS device names stay special on Windows whatever the extension ("CON.txt").
const RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i

/**
 * A file name that is safe to create in the user's downloads folder: no directories (only the last
 * path segment counts), nothing invisible or reordering, no characters or device names Windows
 * reserves, no leading dot (hidden file, `..`), at most 200 UTF-8 bytes with the extension kept.
 */
export function safeFileName(input: string, fallback = 'file'): string {
  const segments = String(input).normalize('NFC').split(/[/\\]/)
  let name = (segments.at(-1) ?? '')
    .replace(INVISIBLE, '')
    .replace(RESERVED_CHARS, '_')
    .replace(/\s+/gu, ' ')
    .replace(/^[\s.]+|[\s.]+$/gu, '')
  if (name === '') return fallback
  // Windows looks at what precedes the first dot, trailing spaces ignored ("CON .tar.gz").
  if (RESERVED_NAMES.test((name.split('.')[0] ?? '').trimEnd())) name = `_${name}`
  return truncate(name)
}

/** `photo.tar.gz` → stem `photo.tar`, ext `.gz`; an over-long or odd "extension" counts as stem. */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 ? name.slice(dot) : ''
  if (ext.length < 2 || ext.length > MAX_EXT_CHARS + 1 || /\s/u.test(ext)) return { stem: name, ext: '' }
  return { stem: name.slice(0, dot), ext }
}

function truncate(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name
  const { stem, ext } = splitExtension(name)
  let cut = stem
  // Cut by code points so that no surrogate pair or UTF-8 sequence is split.
  const points = Array.from(cut)
  while (points.length > 1 && Buffer.byteLength(points.join('') + ext) > MAX_NAME_BYTES) points.pop()
  cut = points.join('').replace(/[\s.]+$/u, '')
  return `${cut || 'file'}${ext}`
}

/**
 * Creates a new, empty file in `dir` named after `name` (made safe), adding " (1)", " (2)"… when
 * the name is taken. Creation is exclusive (`wx`), so two downloads never share a file and an
 * existing file is never overwritten.
 */
export async function createUniqueFile(dir: string, name: string): Promise<{ path: string; name: string; handle: FileHandle }> {
  const safe = safeFileName(name)
  const { stem, ext } = splitExtension(safe)
  for (let i = 0; i < 1000; i++) {
    const candidate = i === 0 ? safe : `${stem} (${i})${ext}`
    const full = path.join(dir, candidate)
    try {
      return { path: full, name: candidate, handle: await open(full, 'wx') }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  const candidate = `${stem}-${randomBytes(6).toString('hex')}${ext}`
  const full = path.join(dir, candidate)
  return { path: full, name: candidate, handle: await open(full, 'wx') }
}

/**
 * Extensions that run something, or point something somewhere, when the file is opened with a
 * double click: Windows programs, scripts, installers, shortcuts and shell handlers; macOS apps,
 * scripts and location files; Linux launchers. Kept lower case.
 */
const RISKY_EXTENSIONS = new Set(
  (
    // Windows: programs and installers
    'exe com scr pif cpl msi msp mst msix msixbundle appx appxbundle appinstaller application appref-ms gadget xbap xll ' +
    // Windows: scripts and script hosts
    'bat cmd ps1 ps1xml ps2 ps2xml psc1 psc2 psd1 psm1 msh msh1 msh2 mshxml msh1xml msh2xml vb vbe vbs js jse ws wsc wsf wsh sct hta ' +
    // Windows: shortcuts, shell handlers, settings, help, registry
    'lnk url website scf library-ms search-ms searchconnector-ms settingcontent-ms shb shs inf ins isp reg msc chm hlp diagcab theme themepack ' +
    // Cross-platform runtimes
    'jar jnlp py pyw pyz pyc pyo pl rb ' +
    // macOS: apps, installers, scripts, terminal and location files
    'app pkg mpkg command tool terminal workflow action scpt scptd applescript fileloc inetloc webloc ' +
    // Linux: launchers and self-running images
    'desktop appimage sh run'
  ).split(' ')
)

/** The suffix that keeps a risky file from running when opened: `setup.exe` → `setup.exe.download`. */
export const NEUTRAL_SUFFIX = '.download'

/**
 * True when opening a file of this name could run it. Case does not matter, and neither do the
 * trailing dots and spaces Windows drops (`setup.EXE. .`).
 */
export function isRiskyName(name: string): boolean {
  const trimmed = name.replace(/[\s.]+$/u, '')
  const dot = trimmed.lastIndexOf('.')
  return dot >= 0 && RISKY_EXTENSIONS.has(trimmed.slice(dot + 1).toLowerCase())
}

/**
 * A safe name (see safeFileName) that also cannot run when double-clicked: a risky one keeps its
 * name, so the user sees what it is, and gets ".download" after it.
 */
export function harmlessFileName(input: string, fallback = 'file'): string {
  const safe = safeFileName(input, fallback)
  return isRiskyName(safe) ? safeFileName(safe + NEUTRAL_SUFFIX) : safe
}
