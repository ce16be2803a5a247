import type { ErrorView } from './errors'

/** An account's connection, as events. `at` fields are epoch ms. */
export type ConnectionState =
  | { state: 'disabled' }
  | { state: 'offline' }
  | { state: 'connecting'; endpoint: string }
  | { state: 'securing'; endpoint: string }
  | { state: 'authenticating'; mechanism: string }
  | { state: 'registered'; jid: string }
  | { state: 'online'; jid: string; resumed: boolean; since: number }
  | { state: 'disconnected'; reason: ErrorView | null }
  | { state: 'reconnecting'; at: number; attempt: number; reason: ErrorView | null }
  | { state: 'auth-failed'; error: ErrorView }
  | { state: 'registration-failed'; error: ErrorView }
  /** A failure that retrying will not fix without the user: untrusted certificate, no TLS, conflict. */
  | { state: 'error'; error: ErrorView }

export type ConnectionStateName = ConnectionState['state']
