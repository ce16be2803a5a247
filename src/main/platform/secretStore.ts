import { renameSync } from 'node:fs'
import { join } from 'node:path'
import { app, safeStorage } from 'electron'
import Store from 'electron-store'
import type { SecretProtection, SecretProtectionView } from '../../shared/ipc/contract'
import type { AccountId } from '../../shared/model/ids'
import type { SecretPort } from '../core/ports'

export type { SecretProtection } from '../../shared/ipc/contract'

interface SecretsSchema extends Record<string, unknown> {
  /** base64 of safeStorage-encrypted passwords, by account id. */
  passwords: Record<string, string>
  /** The user accepted weak protection on a system without a keyring (Linux basic_text). */
  allowWeak: boolean
}

export interface SecretStoreOptions {
  /** The profile folder (default: Electron's userData). */
  cwd?: string
  platform?: NodeJS.Platform
}

/**
 * Passwords encrypted with Electron's safeStorage (Keychain, DPAPI, libsecret/KWallet) in a file
 * of their own, mode 0600; the plain password exists only in memory. On Linux without a keyring
 * safeStorage falls back to a publicly known key (`basic_text`): then nothing is written unless the
 * user allowed it. A password the user asked to remember but that may not be written is kept for
 * this run only: the account asks for it at the next start (its connection ends in `auth-failed`).
 */
export function createSecretStore(options: SecretStoreOptions = {}) {
  const platform = options.platform ?? process.platform
  const cwd = options.cwd ?? app.getPath('userData')
  const open = () =>
    new Store<SecretsSchema>({
      name: 'secrets',
      cwd,
      configFileMode: 0o600,
      defaults: { passwords: {}, allowWeak: false },
      schema: {
        passwords: { type: 'object', additionalProperties: { type: 'string' } },
        allowWeak: { type: 'boolean' }
      }
    })
  let store: Store<SecretsSchema>
  try {
    store = open()
  } catch {
    // A damaged file must not keep Parley from starting: set it aside; passwords are asked again.
    renameSync(join(cwd, 'secrets.json'), join(cwd, `secrets.json.broken-${Date.now()}`))
    store = open()
  }
  /** Passwords to remember that may not be written yet; they are written if the user allows it. */
  const unsaved = new Map<AccountId, string>()

  async function protection(): Promise<SecretProtection> {
    if (!(await safeStorage.isAsyncEncryptionAvailable())) return 'none'
    if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return 'weak'
    return 'os'
  }

  async function view(): Promise<SecretProtectionView> {
    const level = await protection()
    const weakAllowed = store.get('allowWeak')
    return { level, weakAllowed, storing: level === 'os' || (level === 'weak' && weakAllowed) }
  }

  async function write(id: AccountId, password: string): Promise<void> {
    const encrypted = await safeStorage.encryptStringAsync(password)
    store.set('passwords', { ...store.get('passwords'), [id]: encrypted.toString('base64') })
  }

  async function read(id: AccountId): Promise<string | null> {
    const blob = store.get('passwords')[id]
    if (!blob) return null
    try {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(blob, 'base64'))
      if (shouldReEncrypt) await write(id, result)
      return result
    } catch {
      return null // the keyring changed or is locked: the user is asked again
    }
  }

  const port: SecretPort = {
    async getPassword(id) {
      return unsaved.get(id) ?? (await read(id))
    },
    async setPassword(id, password) {
      if (!(await view()).storing) {
        unsaved.set(id, password)
        return
      }
      await write(id, password)
      unsaved.delete(id)
    },
    async deletePassword(id) {
      unsaved.delete(id)
      const { [id]: _gone, ...rest } = store.get('passwords')
      store.set('passwords', rest)
    }
  }

  /**
   * The user's choice for a system without a keyring. Allowing writes the passwords kept for this
   * run; refusing takes the stored ones off the disk (they stay usable until Parley quits).
   */
  async function allowWeak(allow: boolean): Promise<SecretProtectionView> {
    store.set('allowWeak', allow)
    const now = await view()
    if (now.storing) {
      for (const [id, password] of unsaved) await write(id, password)
      unsaved.clear()
    } else {
      for (const id of Object.keys(store.get('passwords')) as AccountId[]) {
        const password = await read(id)
        if (password !== null) unsaved.set(id, password)
      }
      store.set('passwords', {})
    }
    return now
  }

  return { port, protection, view, allowWeak, path: store.path }
}
