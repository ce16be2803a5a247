import Store from 'electron-store'
import { safeStorage } from 'electron'
import type { AccountId } from '../../shared/model/ids'
import type { SecretPort } from '../core/ports'

export type SecretProtection = 'os' | 'weak' | 'none'

interface SecretsSchema extends Record<string, unknown> {
  /** base64 of safeStorage-encrypted passwords, by account id. */
  passwords: Record<string, string>
  /** The user accepted weak protection on a system without a keyring (Linux basic_text). */
  allowWeak: boolean
}

/**
 * Passwords encrypted with Electron's safeStorage (Keychain, DPAPI, libsecret/KWallet) in a file
 * of their own, mode 0600. On Linux without a keyring safeStorage falls back to a well-known key
 * (`basic_text`): then nothing is stored unless the user chose to allow it; the password is kept
 * for the running session only and asked for at the next start.
 */
export function createSecretStore(options: { cwd?: string } = {}) {
  const store = new Store<SecretsSchema>({
    name: 'secrets',
    ...(options.cwd ? { cwd: options.cwd } : {}),
    configFileMode: 0o600,
    defaults: { passwords: {}, allowWeak: false }
  })
  const session = new Map<AccountId, string>()

  async function protection(): Promise<SecretProtection> {
    if (!(await safeStorage.isAsyncEncryptionAvailable())) return 'none'
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return 'weak'
    return 'os'
  }

  async function mayStore(): Promise<boolean> {
    const p = await protection()
    return p === 'os' || (p === 'weak' && store.get('allowWeak'))
  }

  const port: SecretPort = {
    async getPassword(id) {
      const fromSession = session.get(id)
      if (fromSession !== undefined) return fromSession
      const blob = store.get('passwords')[id]
      if (!blob) return null
      try {
        const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(blob, 'base64'))
        if (shouldReEncrypt) await port.setPassword(id, result)
        return result
      } catch {
        return null // the keyring changed or is locked: ask the user again
      }
    },
    async setPassword(id, password) {
      if (!(await mayStore())) {
        session.set(id, password)
        return
      }
      const encrypted = await safeStorage.encryptStringAsync(password)
      store.set('passwords', { ...store.get('passwords'), [id]: encrypted.toString('base64') })
      session.delete(id)
    },
    async deletePassword(id) {
      session.delete(id)
      const { [id]: _gone, ...rest } = store.get('passwords')
      store.set('passwords', rest)
    }
  }

  return {
    port,
    protection,
    allowWeak: (allow: boolean) => store.set('allowWeak', allow),
    weakAllowed: () => store.get('allowWeak'),
    path: store.path
  }
}
