/**
 * Group chats (XEP-0045) as the UI words them: who may do what to whom, occupants by role, room
 * error conditions and "why we left" reasons as translation keys.
 */
import type { OccupantView, RoomAffiliation, RoomExitReason, RoomExitView, RoomRole, RoomView } from '../../../shared/ipc/contract'
import type { ErrorView } from '../../../shared/model/errors'
import type { MessageKey } from '../i18n/en'
import { errorKey } from './errors'

const AFFILIATION_RANK: Record<RoomAffiliation, number> = { outcast: 0, none: 1, member: 2, admin: 3, owner: 4 }
export const ROLE_ORDER: readonly RoomRole[] = ['moderator', 'participant', 'visitor', 'none']

export type OccupantAction = 'kick' | 'ban' | 'moderator' | 'participant' | 'visitor'

export interface Me {
  nick: string
  role: RoomRole
  affiliation: RoomAffiliation
}

const atLeastAdmin = (a: RoomAffiliation): boolean => AFFILIATION_RANK[a] >= AFFILIATION_RANK.admin

/**
 * What we may do to an occupant (XEP-0045 §8–§9): moderators kick and give or take the voice of
 * people below admin; admins and owners also make and unmake moderators and ban (by real JID,
 * someone of a lower affiliation than theirs). Never to ourselves.
 */
export function occupantActions(me: Me, o: OccupantView): OccupantAction[] {
  if (o.nick === me.nick) return []
  const out: OccupantAction[] = []
  const protectedTarget = atLeastAdmin(o.affiliation)
  if (me.role === 'moderator') {
    if (!protectedTarget) out.push('kick')
    if (o.role === 'visitor') out.push('participant')
    if (o.role === 'participant' && !protectedTarget) out.push('visitor')
  }
  if (atLeastAdmin(me.affiliation)) {
    if (o.role !== 'moderator') out.push('moderator')
    else if (!protectedTarget) out.push('participant')
    if (o.jid && AFFILIATION_RANK[o.affiliation] < AFFILIATION_RANK[me.affiliation]) out.push('ban')
  }
  return out
}

/** Moderators may change the subject (rooms may allow more people; this is the safe default). */
export const canEditSubject = (room: Pick<RoomView, 'role' | 'state'>): boolean => room.state === 'joined' && room.role === 'moderator'

/** Occupants grouped by role (moderators first), each group by nick. */
export function groupOccupants(list: Iterable<OccupantView>, compare: (a: string, b: string) => number): { role: RoomRole; occupants: OccupantView[] }[] {
  const groups = new Map<RoomRole, OccupantView[]>()
  for (const o of list) {
    let g = groups.get(o.role)
    if (!g) groups.set(o.role, (g = []))
    g.push(o)
  }
  return ROLE_ORDER.filter((r) => groups.has(r)).map((role) => ({ role, occupants: (groups.get(role) as OccupantView[]).sort((a, b) => compare(a.nick, b.nick)) }))
}

/** A join (or create) failure in plain words, when it is a room refusal the core named. */
export function roomErrorKey(error: Pick<ErrorView, 'code' | 'condition'> | null | undefined): MessageKey | null {
  if (!error) return null
  if (error.code === 'invalid-argument' && error.condition === 'conflict') return 'rooms.error.exists'
  return error.code.startsWith('room-') ? errorKey(error) : null
}

/** Only owners change a room's settings (XEP-0045 §10.2); the room is asked only while we are in it. */
export const canConfigure = (room: Pick<RoomView, 'affiliation' | 'state'>): boolean => room.state === 'joined' && room.affiliation === 'owner'

/** Reading or saving a room's settings failed: the room's refusal in words, else what the code says. */
export function roomSettingsErrorKey(error: Pick<ErrorView, 'code' | 'condition'> | null | undefined): MessageKey | null {
  if (!error) return null
  if (error.code === 'stanza-error' && (error.condition === 'forbidden' || error.condition === 'not-allowed' || error.condition === 'not-authorized')) return 'rooms.settings.forbidden'
  return roomErrorKey(error)
}

/** The room wants a password (none given, or a wrong one). */
export const needsPassword = (error: Pick<ErrorView, 'code'> | null | undefined): boolean =>
  error?.code === 'room-password-required' || error?.code === 'room-password-wrong'

const LEFT_REASONS: Record<RoomExitReason, MessageKey> = {
  left: 'rooms.leftPlain',
  disconnected: 'rooms.left.disconnected',
  kicked: 'rooms.left.kicked',
  banned: 'rooms.left.banned',
  destroyed: 'rooms.left.destroyed',
  affiliation: 'rooms.left.affiliation',
  'members-only': 'rooms.left.membersOnly',
  shutdown: 'rooms.left.shutdown',
  error: 'rooms.left.error'
}

/** Why we are not in a room any more, in words; an unknown reason (a newer main) reads as "left". */
export function leftReasonKey(reason: Pick<RoomExitView, 'kind'> | undefined): MessageKey {
  return (reason && LEFT_REASONS[reason.kind]) ?? 'rooms.leftPlain'
}

export const ROLE_KEYS: Record<RoomRole, MessageKey> = {
  moderator: 'rooms.role.moderators',
  participant: 'rooms.role.participants',
  visitor: 'rooms.role.visitors',
  none: 'rooms.role.none'
}

export const AFFILIATION_KEYS: Partial<Record<RoomAffiliation, MessageKey>> = {
  owner: 'rooms.affiliation.owner',
  admin: 'rooms.affiliation.admin',
  member: 'rooms.affiliation.member'
}
