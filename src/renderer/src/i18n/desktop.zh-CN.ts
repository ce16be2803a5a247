import type { enDesktop } from './desktop.en'

/** 简体中文, typed against the English part: a missing or extra key fails the type check. */
export const zhDesktop: Record<keyof typeof enDesktop, string> = {}
