/** English strings for the group chats, files and message features part of the UI (merged into en.ts). */
export const enChat = {} as const
