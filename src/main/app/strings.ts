import type { Language } from '../../shared/ipc/contract'

// The few texts the shell shows itself (tray menu, notifications), in the languages the window
// has. Kept apart from the renderer's catalogue because main cannot import renderer code.

export interface ShellStrings {
  open: string
  setStatus: string
  statusAvailable: string
  statusAway: string
  statusDnd: string
  statusOffline: string
  muteNotifications: string
  quit: string
  tooltip: (unread: number, trouble: boolean) => string
  newMessage: string
  newMessages: (count: number) => string
  fromChats: (chats: number) => string
  subscriptionRequest: string
  subscriptionRequests: (count: number) => string
  subscribed: string
}

const en: ShellStrings = {
  open: 'Open Parley',
  setStatus: 'Set status',
  statusAvailable: 'Available',
  statusAway: 'Away',
  statusDnd: 'Do not disturb',
  statusOffline: 'Offline',
  muteNotifications: 'Mute notifications',
  quit: 'Quit Parley',
  tooltip: (unread, trouble) =>
    ['Parley', unread > 0 ? `${unread} unread ${unread === 1 ? 'message' : 'messages'}` : '', trouble ? 'connection problem' : ''].filter(Boolean).join(' — '),
  newMessage: 'New message',
  newMessages: (n) => `${n} new ${n === 1 ? 'message' : 'messages'}`,
  fromChats: (n) => `in ${n} ${n === 1 ? 'conversation' : 'conversations'}`,
  subscriptionRequest: 'wants to add you as a contact',
  subscriptionRequests: (n) => `${n} contact ${n === 1 ? 'request' : 'requests'}`,
  subscribed: 'accepted your contact request'
}

const zhCN: ShellStrings = {
  open: '打开 Parley',
  setStatus: '设置状态',
  statusAvailable: '在线',
  statusAway: '离开',
  statusDnd: '请勿打扰',
  statusOffline: '离线',
  muteNotifications: '关闭通知',
  quit: '退出 Parley',
  tooltip: (unread, trouble) => ['Parley', unread > 0 ? `${unread} 条未读消息` : '', trouble ? '连接出现问题' : ''].filter(Boolean).join(' — '),
  newMessage: '新消息',
  newMessages: (n) => `${n} 条新消息`,
  fromChats: (n) => `来自 ${n} 个会话`,
  subscriptionRequest: '想添加你为联系人',
  subscriptionRequests: (n) => `${n} 个联系人请求`,
  subscribed: '接受了你的联系人请求'
}

/** The shell's texts for the UI language (or, for `system`, the OS's preferred languages). */
export function shellStrings(language: Language, systemLocales: readonly string[]): ShellStrings {
  const wanted = language === 'system' ? systemLocales : [language]
  for (const tag of wanted) {
    const lower = tag.toLowerCase()
    if (lower.startsWith('zh') && !/^zh-(hant|tw|hk|mo)/.test(lower)) return zhCN
    if (lower.startsWith('en')) return en
  }
  return en
}
