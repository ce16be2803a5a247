import type { AccountConfig } from '../../shared/model/account'
import type { AccountId } from '../../shared/model/ids'

/** Where account settings live (electron-store in the app, memory or a temp file in tests). */
export interface SettingsPort {
  loadAccounts(): Promise<AccountConfig[]>
  saveAccounts(accounts: AccountConfig[]): Promise<void>
}

/** Where passwords live (Electron safeStorage in the app). Never the settings file. */
export interface SecretPort {
  getPassword(account: AccountId): Promise<string | null>
  setPassword(account: AccountId, password: string): Promise<void>
  deletePassword(account: AccountId): Promise<void>
}

/** An in-memory pair, for tests and for "do not store my password" sessions. */
export function memorySettings(initial: AccountConfig[] = []): SettingsPort {
  let accounts = structuredClone(initial)
  return {
    loadAccounts: async () => structuredClone(accounts),
    saveAccounts: async (next) => {
      accounts = structuredClone(next)
    }
  }
}

export function memorySecrets(): SecretPort {
  const secrets = new Map<AccountId, string>()
  return {
    getPassword: async (id) => secrets.get(id) ?? null,
    setPassword: async (id, pw) => {
      secrets.set(id, pw)
    },
    deletePassword: async (id) => {
      secrets.delete(id)
    }
  }
}
