/** Every error code the core reports, worded for people (the sentences live in the translation files). */
import type { ErrorCode, ErrorView } from '../../../shared/model/errors'
import type { MessageKey } from '../i18n/en'
import { toApiError } from './api'
import { neutraliseBidi } from './text'

export const ERROR_KEYS: Record<ErrorCode, MessageKey> = {
  'dns-failed': 'error.dns-failed',
  unreachable: 'error.unreachable',
  timeout: 'error.timeout',
  'connection-lost': 'error.connection-lost',
  'tls-required': 'error.tls-required',
  'tls-failed': 'error.tls-failed',
  'tls-untrusted': 'error.tls-untrusted',
  'tls-pin-mismatch': 'error.tls-pin-mismatch',
  'not-authorized': 'error.not-authorized',
  'account-not-found': 'error.account-not-found',
  'account-disabled': 'error.account-disabled',
  'credentials-expired': 'error.credentials-expired',
  'no-mechanism': 'error.no-mechanism',
  'server-not-authentic': 'error.server-not-authentic',
  'resource-conflict': 'error.resource-conflict',
  'registration-conflict': 'error.registration-conflict',
  'registration-closed': 'error.registration-closed',
  'registration-invalid': 'error.registration-invalid',
  'registration-throttled': 'error.registration-throttled',
  'registration-form-required': 'error.registration-form-required',
  'room-password-required': 'rooms.error.password',
  'room-password-wrong': 'rooms.error.wrongPassword',
  'room-banned': 'rooms.error.banned',
  'room-members-only': 'rooms.error.membersOnly',
  'room-nick-conflict': 'rooms.error.nickTaken',
  'room-nick-rejected': 'rooms.error.nickRejected',
  'room-not-found': 'rooms.error.notFound',
  'room-unavailable': 'rooms.error.full',
  'room-creation-restricted': 'rooms.error.notAllowed',
  'stream-error': 'error.stream-error',
  'bad-input': 'error.bad-input',
  unsupported: 'error.unsupported',
  'stanza-error': 'error.stanza-error',
  'not-connected': 'error.not-connected',
  'invalid-argument': 'error.invalid-argument',
  forbidden: 'error.forbidden',
  'storage-full': 'error.storage-full',
  'storage-failed': 'error.storage-failed',
  internal: 'error.internal'
}

export const ERROR_CODES = Object.keys(ERROR_KEYS) as ErrorCode[]

/** The translation key for an error; unknown codes (a newer main) fall back to the generic sentence. */
export function errorKey(error: Pick<ErrorView, 'code'>): MessageKey {
  return ERROR_KEYS[error.code] ?? 'error.internal'
}

/** Certificate problems the user can resolve by trusting the certificate. */
export function isCertificateError(error: Pick<ErrorView, 'code' | 'cert'> | null | undefined): boolean {
  return !!error?.cert && (error.code === 'tls-untrusted' || error.code === 'tls-pin-mismatch')
}

/**
 * "Could not <do it> with {name}. {reason}": an action on someone or something that failed, the
 * name with its bidi controls made visible and the reason in plain words.
 */
export function failureText(t: (key: MessageKey, values?: Record<string, string>) => string, key: MessageKey, name: string, err: unknown): string {
  return t(key, { name: neutraliseBidi(name), reason: t(errorKey(toApiError(err))) })
}
