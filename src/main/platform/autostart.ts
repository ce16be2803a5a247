import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { app } from 'electron'

/** Added to the command line of a start at login, so Parley knows it may stay in the tray. */
export const AUTOSTART_FLAG = '--autostarted'

export interface AutostartOptions {
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  /** Where XDG autostart entries live (Linux); default $XDG_CONFIG_HOME/autostart. */
  autostartDir?: string
}

/**
 * Start at login. macOS and Windows have Electron's login items; Linux has none, so there it is an
 * XDG autostart entry (`~/.config/autostart/parley.desktop`), which every desktop environment reads.
 */
export function createAutostart(options: AutostartOptions = {}) {
  const platform = options.platform ?? process.platform
  const env = options.env ?? process.env
  const dir = options.autostartDir ?? join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'autostart')
  const desktopFile = join(dir, 'parley.desktop')

  return {
    set(enabled: boolean): void {
      if (platform === 'linux') {
        if (enabled) {
          mkdirSync(dir, { recursive: true })
          writeFileSync(desktopFile, desktopEntry(launchCommand(env)), { mode: 0o644 })
        } else {
          rmSync(desktopFile, { force: true })
        }
        return
      }
      if (platform === 'darwin' || platform === 'win32') {
        app.setLoginItemSettings({ openAtLogin: enabled, ...(platform === 'win32' ? { args: [AUTOSTART_FLAG] } : {}) })
      }
    },
    /** True when this run was started by the login item rather than by the user. */
    startedAtLogin(argv: readonly string[]): boolean {
      if (argv.includes(AUTOSTART_FLAG)) return true
      return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin
    },
    desktopFile
  }
}

/** The program and arguments that start this Parley: the AppImage itself when run from one. */
function launchCommand(env: NodeJS.ProcessEnv): string[] {
  const appImage = env['APPIMAGE']
  if (appImage) return [appImage, AUTOSTART_FLAG]
  return app.isPackaged ? [process.execPath, AUTOSTART_FLAG] : [process.execPath, app.getAppPath(), AUTOSTART_FLAG]
}

/** A Desktop Entry (freedesktop Desktop Entry Specification 1.5). */
export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Parley',
    'Comment=XMPP messenger',
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Icon=parley',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    ''
  ].join('\n')
}

/**
 * Quotes one Exec argument as the spec wants: inside "…", with " ` $ escaped by a backslash, a
 * backslash written as four (string unescaping runs before unquoting), and % doubled.
 */
export function quoteExecArgument(arg: string): string {
  if (/[\n\r]/.test(arg)) throw new Error('A line break cannot be part of a command line')
  const escaped = arg.replace(/["`$\\]/g, (c) => (c === '\\' ? '\\\\\\\\' : `\\${c}`)).replace(/%/g, '%%')
  return /^[A-Za-z0-9_\-./=:+,@]+$/.test(arg) ? escaped : `"${escaped}"`
}
