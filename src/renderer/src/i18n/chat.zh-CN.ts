import type { enChat } from './chat.en'

/** 简体中文, typed against the English part: a missing or extra key fails the type check. */
export const zhChat: Record<keyof typeof enChat, string> = {}
