import { z } from 'zod'
import type { MethodOf, Namespace } from '../../shared/ipc/contract'
import { parseJid } from '../../shared/jid'

const accountId = z.string().uuid()
const jid = z.string().min(1).max(3071)
const password = z.string().min(1).max(1024)
const fingerprint = z.string().regex(/^[0-9A-Fa-f:\s]{64,200}$/)
const name = z.string().max(1024)
const groups = z.array(z.string().min(1).max(1024)).max(64)
const server = z.object({ host: z.string().min(1).max(253), port: z.number().int().min(1).max(65535), tls: z.enum(['starttls', 'direct']) }).strict()
const show = z.enum(['chat', 'available', 'away', 'xa', 'dnd', 'offline'])
const presence = z.object({ show, status: z.string().max(4096), priority: z.number().int().min(-128).max(127) }).strict()
const signIn = z
  .object({
    jid,
    password,
    server: server.optional(),
    pinnedCertificate: fingerprint.optional(),
    remember: z.boolean().optional()
  })
  .strict()
const register = signIn.extend({ extra: z.record(z.string().max(256), z.string().max(4096)).optional() }).strict()
const settingsPatch = z
  .object({
    language: z.enum(['system', 'en', 'zh-CN']).optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
    sendTyping: z.boolean().optional()
  })
  .strict()
/** An account's resource as RFC 7622 prepares it (PRECIS OpaqueString, at most 1023 bytes); '' asks for a generated one. */
const resource = z
  .string()
  .max(1023)
  .transform((value, ctx) => {
    if (value === '') return value
    const prepared = parseJid(`localhost/${value}`)?.resource
    if (prepared) return prepared
    ctx.addIssue({ code: 'custom', message: 'not a valid resource (control, invisible or line-separator characters, or longer than 1023 bytes)' })
    return z.NEVER
  })
const accountPatch = z.object({ server: server.nullable().optional(), resource: resource.nullable().optional() }).strict()
const cursor = z.object({ at: z.number().finite(), id: z.string().max(256), rowId: z.number().int().positive().optional() }).strict()
const history = z
  .object({
    account: accountId,
    peer: jid,
    before: cursor.optional(),
    after: cursor.optional(),
    around: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(500).optional()
  })
  .strict()
const messageId = z.string().min(1).max(256)
const search = z
  .object({
    text: z.string().min(1).max(256),
    account: accountId.optional(),
    peer: jid.optional(),
    since: z.number().finite().optional(),
    until: z.number().finite().optional(),
    limit: z.number().int().min(1).max(200).optional(),
    before: z.number().int().optional()
  })
  .strict()
const desktopPatch = z
  .object({
    closeToTray: z.boolean().optional(),
    startAtLogin: z.boolean().optional(),
    startHidden: z.boolean().optional(),
    notifications: z.boolean().optional(),
    notificationText: z.boolean().optional()
  })
  .strict()
const chatKey = z.object({ account: accountId, peer: jid }).strict()
const nick = z.string().min(1).max(1023)
const reason = z.string().max(1024)
const role = z.enum(['moderator', 'participant', 'visitor', 'none'])
const affiliation = z.enum(['owner', 'admin', 'member', 'outcast', 'none'])
const roomCreateFields = {
  name: z.string().max(256),
  description: z.string().max(1024),
  password: z.string().max(256),
  membersOnly: z.boolean(),
  public: z.boolean(),
  persistent: z.boolean()
}
const roomCreate = z.object(roomCreateFields).strict()
/** Any of a room's settings; those left out keep the room's values. */
const roomSettings = z.object({ ...roomCreateFields, moderated: z.boolean(), nonAnonymous: z.boolean() }).partial().strict()
const url = z.string().min(1).max(8192)
/** Files cross as bytes; 512 MiB at most (the server's own limit is checked before uploading). */
const fileToSend = z
  .object({ name: z.string().min(1).max(255), type: z.string().max(255), bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= 512 * 1024 * 1024, 'file too large') })
  .strict()
const profile = z
  .object({
    fn: z.string().max(1024),
    nickname: z.string().max(1024),
    given: z.string().max(1024),
    family: z.string().max(1024),
    email: z.array(z.string().max(1024)).max(16),
    tel: z.array(z.string().max(1024)).max(16),
    url: z.array(z.string().max(1024)).max(16),
    impp: z.array(z.string().max(1024)).max(16),
    note: z.string().max(4096),
    org: z.string().max(1024),
    title: z.string().max(1024),
    role: z.string().max(1024),
    bday: z.string().max(64)
  })
  .partial()
  .strict()
/** A message body: up to 64 KiB of text (XMPP servers cap stanzas around 256 KiB). */
const body = z.string().min(1).max(65_536)

type Schemas = { [N in Namespace]: { [M in MethodOf<N>]: z.ZodTuple } }

/** Argument schemas for every method of the contract: main validates each call before running it. */
export const ARGUMENTS = {
  app: {
    info: z.tuple([]),
    openExternal: z.tuple([z.string().max(8192)]),
    openChatWindow: z.tuple([accountId, jid])
  },
  settings: { get: z.tuple([]), update: z.tuple([settingsPatch]) },
  accounts: {
    list: z.tuple([]),
    signIn: z.tuple([signIn]),
    register: z.tuple([register]),
    setEnabled: z.tuple([accountId, z.boolean()]),
    update: z.tuple([accountId, accountPatch]),
    remove: z.tuple([accountId, z.boolean()]),
    trustCertificate: z.tuple([accountId, fingerprint]),
    changePassword: z.tuple([accountId, password]),
    setPassword: z.tuple([accountId, password, z.boolean()]),
    setPresence: z.tuple([accountId.nullable(), presence])
  },
  contacts: {
    list: z.tuple([]),
    requests: z.tuple([]),
    add: z.tuple([accountId, jid, name, groups, z.string().max(1024)]),
    update: z.tuple([accountId, jid, name, groups]),
    remove: z.tuple([accountId, jid]),
    approve: z.tuple([accountId, jid, z.boolean()]),
    deny: z.tuple([accountId, jid]),
    block: z.tuple([accountId, jid]),
    unblock: z.tuple([accountId, jid]),
    blocked: z.tuple([])
  },
  chats: {
    list: z.tuple([]),
    open: z.tuple([accountId, jid]),
    history: z.tuple([history]),
    send: z.tuple([accountId, jid, body, messageId.nullable()]),
    correct: z.tuple([accountId, jid, messageId, body]),
    retract: z.tuple([accountId, jid, messageId]),
    react: z.tuple([accountId, jid, messageId, z.array(z.string().min(1).max(32)).max(32)]),
    retry: z.tuple([accountId, jid, messageId]),
    search: z.tuple([search]),
    markRead: z.tuple([accountId, jid]),
    setTyping: z.tuple([accountId, jid, z.enum(['active', 'composing', 'paused'])])
  },
  rooms: {
    list: z.tuple([]),
    invites: z.tuple([]),
    discover: z.tuple([accountId]),
    join: z.tuple([accountId, jid, nick, z.string().max(256).nullable(), z.boolean()]),
    create: z.tuple([accountId, z.string().min(1).max(1023), nick, roomCreate]),
    leave: z.tuple([accountId, jid, z.boolean()]),
    config: z.tuple([accountId, jid]),
    configure: z.tuple([accountId, jid, roomSettings]),
    occupants: z.tuple([accountId, jid]),
    setSubject: z.tuple([accountId, jid, z.string().max(4096)]),
    changeNick: z.tuple([accountId, jid, nick]),
    invite: z.tuple([accountId, jid, jid, reason]),
    declineInvite: z.tuple([accountId, jid]),
    kick: z.tuple([accountId, jid, nick, reason]),
    ban: z.tuple([accountId, jid, jid, reason]),
    setRole: z.tuple([accountId, jid, nick, role]),
    setAffiliation: z.tuple([accountId, jid, jid, affiliation])
  },
  files: {
    uploadLimit: z.tuple([accountId]),
    send: z.tuple([accountId, jid, fileToSend]),
    download: z.tuple([url, z.boolean()]),
    cancel: z.tuple([z.string().uuid()]),
    preview: z.tuple([url, z.boolean()]),
    cancelPreview: z.tuple([url])
  },
  avatars: {
    get: z.tuple([z.string().regex(/^[0-9a-f]{40}$/)]),
    setOwn: z.tuple([accountId, z.instanceof(Uint8Array).refine((b) => b.byteLength <= 1024 * 1024, 'image too large')]),
    removeOwn: z.tuple([accountId])
  },
  profiles: {
    get: z.tuple([accountId, jid]),
    setOwn: z.tuple([accountId, profile])
  },
  desktop: {
    get: z.tuple([]),
    update: z.tuple([desktopPatch]),
    muteChat: z.tuple([accountId, jid, z.boolean()]),
    setFocusedChat: z.tuple([chatKey.nullable()]),
    secretProtection: z.tuple([]),
    allowWeakSecrets: z.tuple([z.boolean()]),
    takeUri: z.tuple([])
  }
} satisfies Schemas
