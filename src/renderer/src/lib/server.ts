/** The server fields of sign-in, registration and account settings (host, port, TLS mode). */
import type { TlsMode } from '../../../shared/model/account'

/** The port an empty field means, per TLS mode (RFC 6120 c2s, XEP-0368 direct TLS). */
export const DEFAULT_PORT: Record<TlsMode, number> = { starttls: 5222, direct: 5223 }

/** A port field that is filled in but not a port number (empty is fine: the default). */
export const isBadPort = (port: string): boolean => port !== '' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)
