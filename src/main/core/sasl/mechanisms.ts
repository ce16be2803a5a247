// SASL mechanism choice. Names are compared case-sensitively (RFC 4422 §3.1: mechanism names are upper case).
import type { ScramHash } from './scram'

const PLUS_PREFERENCE = ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS'] as const
const SCRAM_PREFERENCE = ['SCRAM-SHA-256', 'SCRAM-SHA-1'] as const
const SCRAM_MECHANISMS: readonly string[] = [...PLUS_PREFERENCE, ...SCRAM_PREFERENCE]

export function chooseMechanism(
  offered: readonly string[],
  ctx: { secure: boolean; canBind: boolean }
): string | null {
  // Never authenticate over cleartext: the attacker would choose salt and iterations, or read PLAIN.
  if (!ctx.secure) return null
  const preference: readonly string[] = ctx.canBind ? SCRAM_MECHANISMS : SCRAM_PREFERENCE
  const scram = preference.find((mech) => offered.includes(mech))
  if (scram) return scram
  // PLAIN hands the password to the server; only when the server cannot do any SCRAM we know.
  const anyScram = SCRAM_MECHANISMS.some((mech) => offered.includes(mech))
  return !anyScram && offered.includes('PLAIN') ? 'PLAIN' : null
}

export function scramHashOf(mech: string): ScramHash | null {
  if (mech === 'SCRAM-SHA-256' || mech === 'SCRAM-SHA-256-PLUS') return 'SHA-256'
  if (mech === 'SCRAM-SHA-1' || mech === 'SCRAM-SHA-1-PLUS') return 'SHA-1'
  return null
}

export function isPlus(mech: string): boolean {
  return (PLUS_PREFERENCE as readonly string[]).includes(mech)
}
